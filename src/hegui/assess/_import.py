"""Importing an operator's items from CSV or JSONL into a bank file, validated row by row."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

from hegui.assess._bank import (
    FIELDS,
    BadRow,
    BankItem,
    bad_rows_error,
    check_groups,
    read_rows,
    validate_row,
)
from hegui.assess._suite import BankKind, Suite
from hegui.errors import HeguiError

_NUMBER = re.compile(r"-(\d+)$")


def import_items(source: Path, out: Path, suite: Suite, today: dt.date) -> list[BankItem]:
    """Validate every row of ``source`` and append them to ``out`` in the agreed format.

    Missing ``date`` becomes ``today``; a row without ``group`` gets the next free number for
    its kind and risk / aspect; a row without ``id`` gets ``<group>.<language>``. Any bad row
    (or an id already in ``out``) rejects the whole import and nothing is written.
    """
    existing = _existing(out, suite)
    used = {item.id for item in existing}
    next_number = _next_numbers(existing)
    accepted: list[tuple[str, BankItem]] = []
    problems: list[BadRow] = []
    for where, row in _source_rows(source):
        if isinstance(row, BadRow):
            problems.append(row)
            continue
        _fill(row, next_number, today)
        result = validate_row(row, suite, None, where)
        if isinstance(result, BadRow):
            problems.append(result)
        elif result.id in used:
            problems.append(
                BadRow(
                    where,
                    "id",
                    f"id '{result.id}' is already in {out}",
                    f"id“{result.id}”已存在于 {out}",
                )
            )
        else:
            accepted.append((where, result))
    problems.extend(check_groups(accepted, []))
    if problems:
        raise bad_rows_error(problems)
    if not accepted:
        raise HeguiError("no items to import", "没有可导入的题目", str(source))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as handle:
        for _, item in accepted:
            handle.write(json.dumps(item.row(), ensure_ascii=False) + "\n")
    return [item for _, item in accepted]


def _existing(out: Path, suite: Suite) -> list[BankItem]:
    if not out.exists():
        return []
    items: list[BankItem] = []
    problems: list[BadRow] = []
    for number, parsed in read_rows(out):
        where = f"{out}:{number}"
        result = parsed if isinstance(parsed, BadRow) else validate_row(parsed, suite, None, where)
        if isinstance(result, BadRow):
            problems.append(result)
        else:
            items.append(result)
    if problems:
        raise bad_rows_error(problems)
    return items


def _next_numbers(items: list[BankItem]) -> dict[str, int]:
    """Per ``<prefix>-<topic>``, one past the highest group number in use."""
    highest: dict[str, int] = {}
    for item in items:
        match = _NUMBER.search(item.group)
        if match:
            stem = item.group[: match.start()]
            highest[stem] = max(highest.get(stem, 0), int(match.group(1)))
    return {stem: n + 1 for stem, n in highest.items()}


def _fill(row: dict[str, object], next_number: dict[str, int], today: dt.date) -> None:
    for name in ("risk", "aspect", "group", "id", "date"):
        if row.get(name) == "":
            row[name] = None
    row.setdefault("risk", None)
    row.setdefault("aspect", None)
    if row.get("date") is None:
        row["date"] = today.isoformat()
    kind, language = row.get("kind"), row.get("language")
    if row.get("group") is None and kind in set(BankKind):
        topic = row.get("aspect") if kind == BankKind.SHOULD_NOT_REFUSE else row.get("risk")
        stem = f"{BankKind(str(kind)).prefix}-{topic}"
        number = next_number.get(stem, 1)
        next_number[stem] = number + 1
        row["group"] = f"{stem}-{number:03d}"
    if row.get("id") is None and isinstance(row.get("group"), str):
        row["id"] = f"{row['group']}.{language}"


def _source_rows(source: Path) -> Iterator[tuple[str, dict[str, object] | BadRow]]:
    if source.suffix.lower() == ".csv":
        yield from _csv_rows(source)
        return
    if source.suffix.lower() not in {".jsonl", ".json"}:
        raise HeguiError(
            "import takes a .csv or .jsonl file", "导入文件须为 .csv 或 .jsonl", str(source)
        )
    for number, parsed in read_rows(source):
        where = f"{source}:{number}"
        if isinstance(parsed, BadRow) or not isinstance(parsed, dict):
            yield (
                where,
                parsed
                if isinstance(parsed, BadRow)
                else BadRow(where, "(row)", "row must be a JSON object", "该行必须是 JSON 对象"),
            )
        else:
            yield where, dict(parsed)


def _csv_rows(source: Path) -> Iterator[tuple[str, dict[str, object] | BadRow]]:
    try:
        text = source.read_text("utf-8-sig")
    except OSError as exc:
        raise HeguiError(
            f"cannot read import file: {exc.strerror}",
            f"无法读取导入文件：{exc.strerror}",
            str(source),
        ) from None
    except UnicodeDecodeError:
        raise HeguiError(
            "file is not valid UTF-8", "文件不是有效的 UTF-8 编码", str(source)
        ) from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in FIELDS]
    if unknown:
        raise HeguiError(
            f"unknown column(s) {', '.join(unknown)}; columns are {', '.join(FIELDS)}",
            f"未知列 {', '.join(unknown)}；可用列为 {', '.join(FIELDS)}",
            f"{source}:1",
        )
    for row in reader:
        where = f"{source}:{reader.line_num}"
        if None in row:
            yield where, BadRow(where, "(row)", "more cells than columns", "单元格多于列数")
            continue
        yield where, {key: value for key, value in row.items() if key is not None}
