"""``hegui companion``: the crisis-case queue, deletion, the SB 243 report and script replay."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from hegui._cli_support import reports_errors
from hegui.companion._cases import CaseQueue
from hegui.companion._report import crisis_report, report_csv
from hegui.companion._simulate import read_script, simulate
from hegui.companion._store import DEFAULT_URL, CompanionStore
from hegui.companion._types import Case
from hegui.companion._users import UserRecords
from hegui.errors import HeguiError
from hegui.policy._loader import load_policy

app = typer.Typer(no_args_is_help=True, help="Companion-chat safeguards / 陪伴聊天安全保障")
console = Console()

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="HEGUI_COMPANION_DB",
        help="Database URL (SQLite file or PostgreSQL) / 数据库地址",
    ),
]


def _now() -> datetime:
    return datetime.now(UTC)


def _dump(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _case_line(case: Case) -> str:
    return (
        f"case / 个案 {case.id}: {case.state.value} · {case.app}/{case.user_id} · "
        f"opened / 开启 {case.opened_at:%Y-%m-%d %H:%M} UTC"
    )


@app.command("cases")
@reports_errors
def cases(
    open_only: Annotated[bool, typer.Option("--open", help="Unresolved only / 仅未结案")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
    db: DbOption = DEFAULT_URL,
) -> None:
    """List crisis cases in the human-takeover queue / 列出人工接管队列中的危机个案."""
    found = CaseQueue(CompanionStore(db), _now).find(open_only)
    if json_out:
        _dump([c.model_dump(mode="json") for c in found])
        return
    table = Table(title="crisis cases / 危机个案")
    for column in (
        "id",
        "state / 状态",
        "app/user",
        "opened / 开启 (UTC)",
        "overdue / 超时",
        "notify / 通知",
    ):
        table.add_column(column)
    for c in found:
        table.add_row(
            str(c.id),
            c.state.value,
            f"{c.app}/{c.user_id}",
            f"{c.opened_at:%Y-%m-%d %H:%M}",
            "[red]yes / 是[/]" if c.overdue and c.state.value == "open" else "no / 否",
            f"{c.notify_state} ({c.notify_attempts})",
        )
    console.print(table)


@app.command("ack")
@reports_errors
def ack(
    case_id: Annotated[int, typer.Argument(metavar="ID", help="Case number / 个案编号")],
    db: DbOption = DEFAULT_URL,
) -> None:
    """Acknowledge a case: a reviewer has taken it / 确认个案（已有人工接手）."""
    case = CaseQueue(CompanionStore(db), _now).acknowledge(case_id)
    console.print(_case_line(case))


@app.command("resolve")
@reports_errors
def resolve(
    case_id: Annotated[int, typer.Argument(metavar="ID", help="Case number / 个案编号")],
    note: Annotated[str, typer.Option("--note", help="What was done / 处理说明")],
    db: DbOption = DEFAULT_URL,
) -> None:
    """Resolve a case and release the user back to the model / 结案并恢复模型对话."""
    case = CaseQueue(CompanionStore(db), _now).resolve(case_id, note)
    console.print(_case_line(case))


@app.command("delete")
@reports_errors
def delete(
    app_id: Annotated[str, typer.Option("--app", help="App / 应用")],
    user: Annotated[str, typer.Option("--user", help="User / 用户")],
    db: DbOption = DEFAULT_URL,
) -> None:
    """Delete a user's history; a content-free audit record remains / 删除用户历史记录."""
    count = UserRecords(CompanionStore(db), _now).delete_history(app_id, user)
    console.print(f"deleted / 已删除 {count} messages / 条消息 ({app_id}/{user})")


@app.command("report")
@reports_errors
def report(
    year: Annotated[int, typer.Option("--year", help="Calendar year (UTC) / 年份")],
    policy: Annotated[
        str, typer.Option("--policy", help="Companion pack id or file / 陪伴策略包")
    ] = "us-ca-sb243",
    fmt: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
    db: DbOption = DEFAULT_URL,
) -> None:
    """Annual crisis-referral counts and protocol, no personal data (SB 243) / 年度危机转介报告."""
    if fmt not in {"json", "csv"}:
        raise HeguiError(
            f"unknown format {fmt!r}; use json or csv",
            f"未知格式 {fmt!r}；请用 json 或 csv",
            "--format",
        )
    result = crisis_report(CompanionStore(db), load_policy(policy), year)
    if fmt == "csv":
        sys.stdout.write(report_csv(result))
    else:
        _dump(result.model_dump(mode="json"))


@app.command("simulate")
@reports_errors
def simulate_command(
    script: Annotated[Path, typer.Option("--script", help="JSONL or YAML script / 对话脚本")],
    policy: Annotated[str, typer.Option("--policy", help="Companion pack id or file / 陪伴策略包")],
    json_out: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Replay a timed conversation and print every event with its time / 回放对话脚本."""
    pack = load_policy(policy)
    messages = read_script(script)
    quiet = json_out or not os.isatty(2)
    with Progress(console=Console(stderr=True), disable=quiet) as bar:
        task = bar.add_task("replaying / 回放", total=len(messages))
        turns = simulate(pack, messages, progress=lambda: bar.advance(task))
    if json_out:
        _dump({"policy": f"{pack.id}@{pack.version}", "turns": turns})
        return
    table = Table(title=f"{pack.id} {pack.version}")
    for column in ("line / 行", "time / 时间", "user / 用户", "action / 处置", "events / 事件"):
        table.add_column(column)
    for turn in turns:
        events = ", ".join(
            e["kind"] + (f"({e['detail']['reason']})" if "reason" in e["detail"] else "")
            for e in turn["events"]
        )
        table.add_row(str(turn["line"]), turn["at"], turn["user"], turn["action"], events)
    console.print(table)
