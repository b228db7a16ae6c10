"""``hegui check``: check texts against a policy and print verdicts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hegui._cli_support import ensure_text, err_console, reports_errors
from hegui._jsonl import BadLineCounter, read_jsonl
from hegui.detect._default import build_cascade
from hegui.detect._output import verdict_to_json
from hegui.detect._types import Role, Verdict
from hegui.errors import HeguiError
from hegui.policy import DEFAULT_POLICY_ID, Scope

_DECISION_STYLE = {"allow": "green", "flag": "yellow", "block": "bold red"}


@reports_errors
def check(
    text: Annotated[str | None, typer.Argument(help="Text to check / 待检测文本")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="JSONL input: fields text, optional id / JSONL 输入"),
    ] = None,
    text_file: Annotated[
        Path | None,
        typer.Option(help="A plain UTF-8 file checked as one text / 整个文件作为一段文本"),
    ] = None,
    policy: Annotated[
        str, typer.Option(help="Policy pack id or path / 策略包")
    ] = DEFAULT_POLICY_ID,
    role: Annotated[Role, typer.Option(help="prompt or answer / 提问或回答")] = Role.PROMPT,
    scope: Annotated[Scope, typer.Option(help="Deployment scope / 部署范围")] = Scope.PUBLIC,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    skip_bad: Annotated[
        bool, typer.Option(help="Skip malformed input lines and count them / 跳过错误行并计数")
    ] = False,
    keywords: Annotated[
        list[Path] | None, typer.Option(help="Extra keyword file or folder / 额外关键词文件")
    ] = None,
) -> None:
    """Check texts against a policy / 按策略检测文本."""
    sources = sum(x is not None for x in (text, file, text_file))
    if sources != 1:
        raise HeguiError(
            "give exactly one of TEXT, --file or --text-file",
            "请只提供 TEXT、--file 或 --text-file 之一",
        )
    cascade = build_cascade(policy, scope, extra_keywords=tuple(keywords or ()))
    counter = BadLineCounter()
    verdicts = (
        (item_id, cascade.check(body, role))
        for item_id, body in _inputs(text, file, text_file, skip_bad, counter)
    )
    if json_out:
        for item_id, verdict in verdicts:
            sys.stdout.write(
                json.dumps(verdict_to_json(verdict, item_id), ensure_ascii=False) + "\n"
            )
            sys.stdout.flush()
    else:
        _print_table(verdicts)
    if counter.skipped:
        err_console.print(
            f"skipped {counter.skipped} bad line(s) / 跳过 {counter.skipped} 个错误行"
        )


def _inputs(
    text: str | None,
    file: Path | None,
    text_file: Path | None,
    skip_bad: bool,
    counter: BadLineCounter,
) -> Iterator[tuple[object, str]]:
    if text is not None:
        yield 1, ensure_text(text, "TEXT")
        return
    if text_file is not None:
        yield str(text_file), ensure_text(_read_text_file(text_file), str(text_file))
        return
    assert file is not None
    for number, obj in read_jsonl(file, ("text",), skip_bad, counter):
        where = f"{file}:{number}"
        try:
            body = ensure_text(obj["text"], where)
        except HeguiError:
            if not skip_bad:
                raise
            counter.skipped += 1
            continue
        yield obj.get("id", number), body


def _read_text_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HeguiError(
            f"cannot read file: {exc.strerror}", f"无法读取文件：{exc.strerror}", str(path)
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HeguiError(
            f"file is not valid UTF-8 (byte {exc.start})",
            f"文件不是有效的 UTF-8 编码（第 {exc.start} 字节）",
            str(path),
        ) from None


def _print_table(verdicts: Iterator[tuple[object, Verdict]]) -> None:
    console = Console()
    table = Table(title="hegui check — verdicts / 检测结论")
    for column in (
        "id",
        "decision / 结论",
        "categories / 风险类别",
        "evidence / 证据",
        "by / 判定",
        "ms",
    ):
        table.add_column(column)
    for item_id, verdict in verdicts:
        decision = verdict.decision.value
        categories = ", ".join(f"{c.id} {c.score:.2f}" for c in verdict.categories[:3])
        evidence = ", ".join(dict.fromkeys(s.text for s in verdict.spans))[:60]
        table.add_row(
            str(item_id),
            f"[{_DECISION_STYLE[decision]}]{decision}[/]",
            categories or "—",
            evidence or "—",
            verdict.decided_by or "—",
            f"{verdict.total_latency_ms:.1f}",
        )
    console.print(table)
