"""``hegui keywords``: inspect the keyword library."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hegui._cli_support import reports_errors
from hegui.detect.keywords._library import KeywordLibrary
from hegui.detect.keywords._stats import LibraryStats, PackLike, library_stats

app = typer.Typer(help="Keyword library / 关键词库", no_args_is_help=True)


@app.callback()
def keywords() -> None:
    """Keyword library / 关键词库."""


def _load_pack(policy_id: str) -> PackLike:
    from hegui.policy import load_policy

    return load_policy(policy_id)


def _verdict(passed: bool) -> str:
    return "[green]PASS 达标[/]" if passed else "[red]FAIL 未达标[/]"


def _count_table(title: str, key: str, counts: Mapping[str, int]) -> Table:
    table = Table(title=title)
    table.add_column(key)
    table.add_column("entries / 条目", justify="right")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    return table


def _print(stats: LibraryStats, console: Console) -> None:
    console.print(
        f"keyword entries / 关键词条目: [bold]{stats.total:,}[/]    "
        f"updated / 更新: {stats.updated.isoformat()} ({stats.age_days} days / 天)"
    )
    console.print(_count_table("per label / 按标签", "label / 标签", stats.labels))
    console.print(_count_table("per language / 按语言", "lang / 语言", stats.langs))
    floors = Table(title=f"floors of policy {stats.policy} / 策略 {stats.policy} 的下限")
    floors.add_column("requirement / 要求")
    floors.add_column("actual / 实际", justify="right")
    floors.add_column("floor / 下限", justify="right")
    floors.add_column("result / 结果")
    for floor in stats.floors:
        bound = f"≤ {floor.required}" if floor.at_most else f"≥ {floor.required}"
        floors.add_row(floor.name, f"{floor.actual:,}", bound, _verdict(floor.passed))
    if stats.floors:
        console.print(floors)
        console.print(f"overall / 总体: {_verdict(stats.passed)}")
    else:
        console.print(
            f"policy {stats.policy} sets no keyword-library floors / "
            f"策略 {stats.policy} 未规定关键词库下限"
        )


@app.command()
@reports_errors
def stats(
    policy: Annotated[str, typer.Option(help="Policy pack id / 策略包 ID")] = "cn-tc260",
    as_json: Annotated[bool, typer.Option("--json", help="JSON output / 输出 JSON")] = False,
    extra: Annotated[
        list[Path] | None,
        typer.Option(help="Operator keyword file or folder, added / 追加的运营方关键词文件或目录"),
    ] = None,
    library: Annotated[
        list[Path] | None,
        typer.Option(help="Keyword file or folder replacing the shipped ones / 替换内置词库"),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Exit 1 when a floor fails / 未达标时退出码为 1")
    ] = False,
) -> None:
    """Size, languages, age and per-risk coverage against the policy's floors.

    规模、语言、更新时间，以及按风险对照策略下限的覆盖情况。
    """
    pack = _load_pack(policy)
    loaded = KeywordLibrary.load(library, extra=tuple(extra or ()))
    result = library_stats(loaded, pack)
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        _print(result, Console(highlight=False))
    if strict and not result.passed:
        raise typer.Exit(1)
