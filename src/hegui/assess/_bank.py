"""Bank items: the agreed row schema, and reading bank files with errors naming file and line."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hegui.assess._suite import BankKind, BankSpec, Language, Suite
from hegui.errors import HeguiError

FIELDS = ("id", "group", "language", "kind", "risk", "aspect", "prompt", "date")
_GROUP = re.compile(r"^(gen|ref|nrf)-([A-Za-z0-9_.]+)-(\d{3,})$")
_MAX_LISTED = 10


class BankItem(BaseModel):
    """One test question in one language (a row of a bank JSONL file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    """``<group>.<language>``, unique in the suite."""
    group: str
    """``<prefix>-<risk or aspect>-<number>``: the question, shared by its language versions."""
    language: Language
    """``zh`` (the original) or ``en``."""
    kind: BankKind
    """Which bank the item belongs to."""
    risk: str | None
    """TC260 risk id (A1.1 … A5.2); ``null`` for should-not-refuse items."""
    aspect: str | None
    """Should-not-refuse aspect (``history``, ``health`` …); ``null`` for the other kinds."""
    prompt: str = Field(min_length=1)
    """The question put to the model."""
    date: dt.date
    """The date the item was written or last revised."""

    def topic(self) -> str:
        """The risk id, or the aspect for should-not-refuse items."""
        return self.aspect if self.aspect is not None else str(self.risk)

    def row(self) -> dict[str, Any]:
        """The JSON object in the agreed key order."""
        data = self.model_dump(mode="json")
        return {name: data[name] for name in FIELDS}


@dataclass(frozen=True)
class BadRow:
    """A rejected row: where it is and what was wrong."""

    where: str
    field: str
    en: str
    zh: str

    def render(self) -> str:
        return f"{self.where}: field '{self.field}': {self.en} / 字段“{self.field}”：{self.zh}"


@dataclass(frozen=True)
class Bank:
    """The items of one bank of a suite, in file order."""

    spec: BankSpec
    items: tuple[BankItem, ...]


def validate_row(obj: object, suite: Suite, kind: BankKind | None, where: str) -> BankItem | BadRow:
    """Validate one parsed row against the schema, the suite's pack risks and aspects."""
    if not isinstance(obj, dict):
        return BadRow(where, "(row)", "row must be a JSON object", "该行必须是 JSON 对象")
    try:
        item = BankItem.model_validate(obj)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(row)"
        return BadRow(where, field, str(first["msg"]), _ZH_ERRORS.get(first["type"], "取值无效"))
    wrong = _inconsistency(item)
    if wrong is not None:
        return BadRow(where, *wrong)
    if kind is not None and item.kind is not kind:
        return BadRow(
            where, "kind", f"this file holds {kind} items", f"该文件只能包含 {kind} 类题目"
        )
    if item.risk is not None and item.risk not in {r.id for r in suite.pack.risks}:
        return BadRow(
            where,
            "risk",
            f"policy {suite.pack.id} has no risk '{item.risk}'",
            f"策略 {suite.pack.id} 中没有风险“{item.risk}”",
        )
    if item.aspect is not None and item.aspect not in suite.aspect_ids():
        known = ", ".join(suite.aspect_ids())
        return BadRow(
            where,
            "aspect",
            f"unknown aspect '{item.aspect}' (known: {known})",
            f"未知方面“{item.aspect}”（可用：{known}）",
        )
    return item


_ZH_ERRORS = {
    "missing": "缺少该字段",
    "extra_forbidden": "不允许的多余字段",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "string_type": "必须是字符串",
    "string_too_short": "不能为空",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
}


def _inconsistency(item: BankItem) -> tuple[str, str, str] | None:
    """``(field, en, zh)`` for a row whose fields disagree with each other, else ``None``."""
    match = _GROUP.match(item.group)
    if match is None:
        return (
            "group",
            "must be <gen|ref|nrf>-<risk or aspect>-<3-digit number>",
            "格式应为 <gen|ref|nrf>-<风险或方面>-<三位编号>",
        )
    prefix = item.kind.prefix
    if match.group(1) != prefix:
        return (
            "group",
            f"prefix must be '{prefix}' for kind {item.kind}",
            f"{item.kind} 类题目的前缀应为“{prefix}”",
        )
    expected_id = f"{item.group}.{item.language}"
    if item.id != expected_id:
        return ("id", f"must be '{expected_id}'", f"应为“{expected_id}”")
    if not item.prompt.strip():
        return ("prompt", "is blank", "为空")
    if item.kind is BankKind.SHOULD_NOT_REFUSE:
        if item.risk is not None:
            return ("risk", "must be null for should_not_refuse items", "非拒答题目的风险应为 null")
        if item.aspect is None:
            return ("aspect", "must be set for should_not_refuse items", "非拒答题目必须给出方面")
    else:
        if item.risk is None:
            return ("risk", f"must be set for {item.kind} items", f"{item.kind} 类题目必须给出风险")
        if item.aspect is not None:
            return (
                "aspect",
                f"must be null for {item.kind} items",
                f"{item.kind} 类题目的方面应为 null",
            )
    if match.group(2) != item.topic():
        return ("group", f"middle part must be '{item.topic()}'", f"中间部分应为“{item.topic()}”")
    return None


def read_rows(path: Path) -> Iterator[tuple[int, object | BadRow]]:
    """Yield ``(line, parsed JSON)`` per non-blank line, or a :class:`BadRow` for bad JSON."""
    try:
        raw_lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise HeguiError(
            f"cannot read bank file: {exc.strerror}", f"无法读取题库文件：{exc.strerror}", str(path)
        ) from None
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        try:
            yield number, json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            yield number, BadRow(where, "(row)", "not valid UTF-8", "不是有效的 UTF-8 编码")
        except json.JSONDecodeError as exc:
            yield (
                number,
                BadRow(
                    where,
                    "(row)",
                    f"not valid JSON: {exc.msg} at column {exc.colno}",
                    f"不是有效的 JSON：第 {exc.colno} 列，{exc.msg}",
                ),
            )


def check_groups(items: Iterable[tuple[str, BankItem]], languages: list[Language]) -> list[BadRow]:
    """Duplicate ids, groups that disagree on kind/risk/aspect, or lack a language."""
    problems: list[BadRow] = []
    seen: dict[str, str] = {}
    groups: dict[str, list[tuple[str, BankItem]]] = {}
    for where, item in items:
        if item.id in seen:
            problems.append(
                BadRow(
                    where,
                    "id",
                    f"duplicate id '{item.id}' (first at {seen[item.id]})",
                    f"重复的 id“{item.id}”（首次出现于 {seen[item.id]}）",
                )
            )
            continue
        seen[item.id] = where
        groups.setdefault(item.group, []).append((where, item))
    for group, members in groups.items():
        first_where, first = members[0]
        for where, item in members[1:]:
            if (item.kind, item.risk, item.aspect) != (first.kind, first.risk, first.aspect):
                problems.append(
                    BadRow(
                        where,
                        "group",
                        f"group '{group}' differs in kind/risk/aspect from {first_where}",
                        f"组“{group}”的类别/风险/方面与 {first_where} 不一致",
                    )
                )
        missing = [lang for lang in languages if lang not in {m.language for _, m in members}]
        if missing:
            problems.append(
                BadRow(
                    first_where,
                    "language",
                    f"group '{group}' has no {', '.join(missing)} version",
                    f"组“{group}”缺少 {', '.join(missing)} 版本",
                )
            )
    return problems


def load_bank(suite: Suite, spec: BankSpec) -> Bank:
    """Read and validate every file of a bank; any bad row raises one error listing them."""
    items: list[tuple[str, BankItem]] = []
    problems: list[BadRow] = []
    for name in spec.files:
        path = suite.folder / name
        for number, parsed in read_rows(path):
            where = f"{path}:{number}"
            result = (
                parsed
                if isinstance(parsed, BadRow)
                else validate_row(parsed, suite, spec.kind, where)
            )
            if isinstance(result, BadRow):
                problems.append(result)
            else:
                items.append((where, result))
    problems.extend(check_groups(items, suite.spec.languages))
    if problems:
        raise bad_rows_error(problems)
    return Bank(spec, tuple(item for _, item in items))


def load_banks(suite: Suite) -> dict[BankKind, Bank]:
    """Every bank of the suite; ids must be unique across banks too."""
    banks = {spec.kind: load_bank(suite, spec) for spec in suite.spec.banks}
    seen: set[str] = set()
    for bank in banks.values():
        for item in bank.items:
            if item.id in seen:
                raise HeguiError(
                    f"id '{item.id}' appears in two banks",
                    f"id“{item.id}”同时出现在两个题库中",
                    str(suite.folder),
                )
            seen.add(item.id)
    return banks


def bad_rows_error(problems: list[BadRow]) -> HeguiError:
    """One error listing the first bad rows (file:line, field, what is wrong) and the count."""
    listed = "\n".join(p.render() for p in problems[:_MAX_LISTED])
    more = len(problems) - _MAX_LISTED
    tail_en = f"\n… and {more} more" if more > 0 else ""
    tail_zh = f"\n……另有 {more} 处" if more > 0 else ""
    first = problems[0]
    return HeguiError(
        f"{len(problems)} bad row(s); nothing was used:\n{listed}{tail_en}",
        f"{len(problems)} 行有误，未采用任何内容。{tail_zh}",
        first.where,
    )
