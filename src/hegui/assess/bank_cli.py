"""``hegui bank``: size and coverage of a test suite's banks, and importing operator items."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hegui._cli_support import reports_errors
from hegui.assess._bank import load_bank
from hegui.assess._coverage import BankCoverage, bank_coverage
from hegui.assess._import import import_items
from hegui.assess._suite import Suite, load_suite
from hegui.errors import HeguiError

app = typer.Typer(no_args_is_help=True, help="Test banks / 测试题库")
console = Console()

SuiteArg = Annotated[str, typer.Argument(metavar="SUITE", help="Suite id or folder / 套件")]
PolicyOpt = Annotated[
    str | None, typer.Option("--policy", help="Pack giving the floors (default: the suite's)")
]


def _date(value: str | None, option: str) -> dt.date:
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HeguiError(
            f"not a date (YYYY-MM-DD): {value!r}", f"不是日期（YYYY-MM-DD）：{value!r}", option
        ) from None


@app.command("stats")
@reports_errors
def stats(
    suite_ref: SuiteArg,
    policy: PolicyOpt = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date the age is measured at (YYYY-MM-DD)")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the figures as JSON")] = False,
) -> None:
    """Size and coverage against the pack's floors, and age / 题库规模、覆盖与时效."""
    suite = load_suite(suite_ref, policy)
    today = _date(as_of, "--as-of")
    coverages = [bank_coverage(suite, load_bank(suite, spec), today) for spec in suite.spec.banks]
    if json_out:
        payload = {
            "suite": suite.id,
            "version": suite.spec.version,
            "policy": f"{suite.pack.id} {suite.pack.version}",
            "as_of": today.isoformat(),
            "banks": [_as_json(c) for c in coverages],
            "ok": all(c.ok for c in coverages),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    console.print(
        f"[bold]{suite.id}[/] {suite.spec.version} · {suite.spec.name.zh} / {suite.spec.name.en}"
    )
    console.print(f"floors from / 下限来自: {suite.pack.id} {suite.pack.version} · as of {today}")
    for coverage in coverages:
        _print_bank(suite, coverage)
    short = [c.bank.spec.kind.value for c in coverages if not c.ok]
    if short:
        console.print(f"[bold red]BELOW FLOORS / 未达要求[/]: {', '.join(short)}", highlight=False)
    else:
        console.print("[bold green]ALL FLOORS MET / 全部达到要求[/]")


def _mark(ok: bool) -> str:
    return "[green]✓[/]" if ok else "[red]✗[/]"


def _print_bank(suite: Suite, c: BankCoverage) -> None:
    spec = c.bank.spec
    floor = f" ≥ {c.total.floor}" if c.total.floor is not None else ""
    langs = " · ".join(f"{lang} {n}" for lang, n in sorted(c.per_language.items()))
    console.print(
        f"\n[bold]{spec.name.zh} / {spec.name.en}[/] ({spec.kind.value}) {_mark(c.total.ok)} "
        f"{c.total.count} questions / 题{floor} · {c.items} items / 条 ({langs})"
    )
    age = "—" if c.age_days is None else f"{c.age_days} d"
    limit = f" (max {c.max_age_days} d)" if c.max_age_days is not None else ""
    console.print(
        f"newest item / 最新题目: {c.newest or '—'} · age / 时效: {age}{limit} "
        + ("[red]TOO OLD / 已过期[/]" if c.too_old else "")
    )
    console.print(f"[dim]{c.clause}[/]")
    table = Table(show_edge=False, pad_edge=False)
    for column in ("risk / aspect", "名称 / name", "questions / 题", "floor / 下限", ""):
        table.add_column(column)
    suite_names = _names(suite)
    for check in c.per_topic:
        table.add_row(
            check.name,
            suite_names.get(check.name, "[yellow]not required / 非必需[/]"),
            str(check.count),
            "—" if check.floor is None else str(check.floor),
            _mark(check.ok),
        )
    console.print(table)


def _names(suite: Suite) -> dict[str, str]:
    names = {r.id: f"{r.name.zh} / {r.name.en}" for r in suite.pack.risks}
    names.update({a.id: f"{a.name.zh} / {a.name.en}" for a in suite.spec.aspects})
    return names


def _as_json(c: BankCoverage) -> dict[str, Any]:
    return {
        "kind": c.bank.spec.kind.value,
        "questions": c.total.count,
        "min_total": c.total.floor,
        "items": c.items,
        "items_per_language": c.per_language,
        "per_topic": {
            t.name: {"questions": t.count, "floor": t.floor, "ok": t.ok} for t in c.per_topic
        },
        "newest": c.newest.isoformat() if c.newest else None,
        "age_days": c.age_days,
        "max_age_days": c.max_age_days,
        "too_old": c.too_old,
        "ok": c.ok,
    }


@app.command("import")
@reports_errors
def import_command(
    source: Annotated[Path, typer.Argument(help="Operator items, .csv or .jsonl / 待导入题目")],
    out: Annotated[Path, typer.Option("--out", help="Bank file to append to / 目标题库文件")],
    suite_ref: Annotated[
        str, typer.Option("--suite", help="Suite whose pack and aspects validate the rows")
    ] = "cn-tc260",
    policy: PolicyOpt = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Date for rows without one (default today)")
    ] = None,
) -> None:
    """Validate operator items and append them to a bank file / 校验并导入运营方题目."""
    suite = load_suite(suite_ref, policy)
    items = import_items(source, out, suite, _date(date, "--date"))
    kinds = ", ".join(sorted({i.kind.value for i in items}))
    console.print(f"[green]OK[/] {len(items)} items / 题 ({kinds}) → {out}")
