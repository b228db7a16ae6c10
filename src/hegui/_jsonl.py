"""Reading JSONL input files with errors that name the line, and an option to skip bad lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hegui.errors import HeguiError


@dataclass
class BadLineCounter:
    """Counts lines skipped under ``--skip-bad`` so the CLI can report them at the end."""

    skipped: int = 0


def read_jsonl(
    path: Path,
    required: tuple[str, ...],
    skip_bad: bool = False,
    counter: BadLineCounter | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of ``path``.

    Each object must be a JSON object whose ``required`` fields are strings. A line that is not
    valid UTF-8, not JSON, not an object, or lacks a field raises :class:`HeguiError` naming the
    file and line, unless ``skip_bad`` is set, in which case it is counted in ``counter``.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise HeguiError(
            f"cannot open input file: {exc.strerror}",
            f"无法打开输入文件：{exc.strerror}",
            str(path),
        ) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                obj = _parse_line(raw, required)
            except HeguiError as err:
                if not skip_bad:
                    raise HeguiError(err.en, err.zh, f"{path}:{number}") from None
                if counter is not None:
                    counter.skipped += 1
                continue
            yield number, obj


def _parse_line(raw: bytes, required: tuple[str, ...]) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HeguiError(
            f"line is not valid UTF-8 (byte {exc.start})",
            f"该行不是有效的 UTF-8 编码（第 {exc.start} 字节）",
        ) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HeguiError(
            f"line is not valid JSON: {exc.msg} at column {exc.colno}",
            f"该行不是有效的 JSON：第 {exc.colno} 列，{exc.msg}",
        ) from None
    if not isinstance(obj, dict):
        raise HeguiError("line must be a JSON object", "该行必须是 JSON 对象")
    for name in required:
        value = obj.get(name)
        if not isinstance(value, str):
            raise HeguiError(
                f"field '{name}' is missing or not a string", f"字段“{name}”缺失或不是字符串"
            )
    return obj
