"""``hegui refusal --file IN.jsonl``: judge whether each answer refuses its prompt."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hegui._cli_support import err_console, reports_errors
from hegui._jsonl import BadLineCounter, read_jsonl
from hegui.detect.refusal._judge import RefusalJudge, RefusalResult

_KIND_STYLE = {"full": "bold red", "partial": "yellow", "none": "green"}


def _judged(
    file: Path, skip_bad: bool, counter: BadLineCounter
) -> Iterator[tuple[object, RefusalResult]]:
    judge = RefusalJudge()
    for number, obj in read_jsonl(file, ("prompt", "response"), skip_bad, counter):
        item_id = obj.get("id", number)
        yield item_id, judge.judge(obj["prompt"], obj["response"])


def refusal_command(file: Path, json_out: bool, skip_bad: bool) -> None:
    """Judge every line of ``file`` (fields ``prompt``, ``response``, optional ``id``).

    With ``json_out`` one object per line goes to stdout: ``{"id", "refusal", "kind",
    "score"}``, where ``id`` is the given id or the line number. Without it, a table.
    Bad lines raise :class:`HeguiError` naming the line, or are skipped and counted on
    stderr with ``skip_bad``.
    """
    counter = BadLineCounter()
    results = _judged(file, skip_bad, counter)
    if json_out:
        for item_id, result in results:
            line = {
                "id": item_id,
                "refusal": result.refusal,
                "kind": result.kind,
                "score": round(result.score, 4),
            }
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    else:
        table = Table(title="Refusal judge / 拒答判定")
        for column in ("id", "refusal / 拒答", "kind / 类型", "score / 概率"):
            table.add_column(column)
        for item_id, result in results:
            style = _KIND_STYLE[result.kind]
            table.add_row(
                str(item_id),
                "yes / 是" if result.refusal else "no / 否",
                f"[{style}]{result.kind}[/]",
                f"{result.score:.3f}",
            )
        Console().print(table)
    if counter.skipped:
        err_console.print(
            f"skipped {counter.skipped} bad line(s) / 跳过 {counter.skipped} 个错误行"
        )


@reports_errors
def refusal(
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            "-f",
            help="JSONL: prompt, response, optional id / JSONL 输入：提问、回答、可选 id",
        ),
    ],
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    skip_bad: Annotated[
        bool, typer.Option(help="Skip malformed input lines and count them / 跳过错误行并计数")
    ] = False,
) -> None:
    """Judge whether answers are refusals / 判定回答是否拒答."""
    refusal_command(file, json_out, skip_bad)


app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
app.command("refusal")(refusal)
