"""``hegui refusal --file IN.jsonl``: judge whether each answer refuses its prompt."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hegui._cli_support import err_console, reports_errors
from hegui._jsonl import BadLineCounter, read_jsonl
from hegui.detect.refusal._escalate import DEFAULT_BAND, EscalatingJudge, EscalationConfig
from hegui.detect.refusal._judge import RefusalJudge, RefusalResult
from hegui.errors import HeguiError

_KIND_STYLE = {"full": "bold red", "partial": "yellow", "none": "green"}


def _judged(
    file: Path,
    skip_bad: bool,
    counter: BadLineCounter,
    second_opinion: EscalationConfig | None,
    unanswered: list[str],
) -> Iterator[tuple[object, RefusalResult]]:
    """Judge each line; the reason of every failed second opinion goes to ``unanswered``."""
    judge = EscalatingJudge(second_opinion) if second_opinion else RefusalJudge()
    try:
        for number, obj in read_jsonl(file, ("prompt", "response"), skip_bad, counter):
            item_id = obj.get("id", number)
            result = judge.judge(obj["prompt"], obj["response"])
            if result.escalation_error:
                unanswered.append(result.escalation_error)
            yield item_id, result
    finally:
        if isinstance(judge, EscalatingJudge):
            judge.close()


def second_opinion_config(
    url: str | None, model: str | None, key_env: str | None, band: str
) -> EscalationConfig | None:
    """The ``--judge-url`` / ``--judge-model`` / ``--judge-key-env`` / ``--escalate-band``
    options as settings, or None when no second-opinion model is asked for."""
    if url is None and model is None:
        return None
    if url is None or model is None:
        raise HeguiError(
            "give both --judge-url and --judge-model, or neither",
            "--judge-url 与 --judge-model 须同时给出或都不给",
        )
    low, _, high = band.partition(",")
    try:
        band_low, band_high = float(low), float(high)
    except ValueError:
        raise HeguiError(
            f"--escalate-band must be two numbers LOW,HIGH, got {band!r}",
            f"--escalate-band 须为 LOW,HIGH 两个数，收到 {band!r}",
        ) from None
    settings: dict[str, object] = {
        "base_url": url,
        "model": model,
        "band_low": band_low,
        "band_high": band_high,
    }
    if key_env:
        if key_env not in os.environ:
            raise HeguiError(
                f"environment variable {key_env} (--judge-key-env) is not set",
                f"环境变量 {key_env}（--judge-key-env）未设置",
            )
        settings["api_key"] = os.environ[key_env]
    return EscalationConfig.load(settings, "hegui refusal options")


def refusal_command(
    file: Path, json_out: bool, skip_bad: bool, second_opinion: EscalationConfig | None = None
) -> None:
    """Judge every line of ``file`` (fields ``prompt``, ``response``, optional ``id``).

    With ``json_out`` one object per line goes to stdout: ``{"id", "refusal", "kind",
    "score"}``, where ``id`` is the given id or the line number; with ``second_opinion`` also
    ``"decided_by"`` (``"judge"`` or ``"model:<name>"``) and, when a second opinion was wanted
    but could not be had, ``"escalation_error"``. Without ``json_out``, a table.
    Bad lines raise :class:`HeguiError` naming the line, or are skipped and counted on
    stderr with ``skip_bad``. ``second_opinion`` sends uncertain pairs to a served model.
    """
    counter = BadLineCounter()
    unanswered: list[str] = []
    results = _judged(file, skip_bad, counter, second_opinion, unanswered)
    if json_out:
        for item_id, result in results:
            line: dict[str, object] = {
                "id": item_id,
                "refusal": result.refusal,
                "kind": result.kind,
                "score": round(result.score, 4),
            }
            if second_opinion:
                line["decided_by"] = result.decided_by
            if result.escalation_error:
                line["escalation_error"] = result.escalation_error
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    else:
        table = Table(title="Refusal judge / 拒答判定")
        for column in ("id", "refusal / 拒答", "kind / 类型", "score / 概率", "by / 判定方"):
            table.add_column(column)
        for item_id, result in results:
            style = _KIND_STYLE[result.kind]
            table.add_row(
                str(item_id),
                "yes / 是" if result.refusal else "no / 否",
                f"[{style}]{result.kind}[/]",
                f"{result.score:.3f}",
                result.decided_by + (" (!)" if result.escalation_error else ""),
            )
        Console().print(table)
    if counter.skipped:
        err_console.print(
            f"skipped {counter.skipped} bad line(s) / 跳过 {counter.skipped} 个错误行"
        )
    if unanswered:
        err_console.print(
            f"{len(unanswered)} uncertain pair(s) kept the embedded verdict, no second opinion"
            f" (first reason: {unanswered[0]})"
            f" / {len(unanswered)} 个不确定样本未获复核，沿用本地判定"
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
    judge_url: Annotated[
        str | None,
        typer.Option(
            "--judge-url",
            help="OpenAI-compatible base URL of a model that decides uncertain pairs"
            " / 复核不确定样本的模型端点",
        ),
    ] = None,
    judge_model: Annotated[
        str | None, typer.Option("--judge-model", help="Its model name / 复核模型名")
    ] = None,
    judge_key_env: Annotated[
        str | None,
        typer.Option("--judge-key-env", help="Environment variable holding its API key"),
    ] = None,
    escalate_band: Annotated[
        str,
        typer.Option(
            "--escalate-band",
            help="Local scores LOW,HIGH (LOW <= score < HIGH) sent to that model"
            " / 送复核的本地分数区间",
        ),
    ] = f"{DEFAULT_BAND[0]:g},{DEFAULT_BAND[1]:g}",
) -> None:
    """Judge whether answers are refusals / 判定回答是否拒答."""
    second_opinion = second_opinion_config(judge_url, judge_model, judge_key_env, escalate_band)
    refusal_command(file, json_out, skip_bad, second_opinion)


app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
app.command("refusal")(refusal)
