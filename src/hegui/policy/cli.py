"""``hegui policy``: list, show and validate policy packs (``coverage`` lives in hegui.detect)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hegui._cli_support import reports_errors
from hegui.policy._loader import builtin_policy_ids, load_policy
from hegui.policy._schema import Scope

app = typer.Typer(no_args_is_help=True, help="Policy packs / 策略包")
console = Console()


@app.command("list")
@reports_errors
def list_packs() -> None:
    """List the shipped policy packs / 列出内置策略包."""
    table = Table(title="policy packs / 策略包")
    for column in ("id", "version", "jurisdiction", "risks", "名称", "name"):
        table.add_column(column)
    for pack_id in builtin_policy_ids():
        pack = load_policy(pack_id)
        table.add_row(
            pack.id,
            pack.version,
            pack.jurisdiction,
            str(len(pack.risks)),
            pack.name.zh,
            pack.name.en,
        )
    console.print(table)


@app.command("show")
@reports_errors
def show(
    pack_ref: Annotated[str, typer.Argument(metavar="ID_OR_PATH", help="Pack id or file / 策略包")],
    json_out: Annotated[bool, typer.Option("--json", help="The merged pack as JSON")] = False,
) -> None:
    """Show a pack's risks, thresholds and actions / 显示策略包的风险、阈值与处置."""
    pack = load_policy(pack_ref)
    if json_out:
        sys.stdout.write(
            json.dumps(pack.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
        )
        return
    console.print(f"[bold]{pack.id}[/] {pack.version} · {pack.jurisdiction} · {pack.clause}")
    console.print(f"{pack.name.zh} / {pack.name.en}")
    if pack.extends:
        console.print(f"extends / 继承: {', '.join(pack.extends)}")
    table = Table()
    for column in ("risk", "名称 / name", "labels", "flag", "block", "public", "internal"):
        table.add_column(column)
    for risk in pack.risks:
        limits = pack.thresholds_for(risk.id)
        table.add_row(
            risk.id,
            f"{risk.name.zh}\n{risk.name.en}",
            ", ".join(risk.labels) or "[red]—[/]",
            f"{limits.flag:.2f}",
            f"{limits.block:.2f}",
            pack.action_for(risk.id, Scope.PUBLIC).value,
            pack.action_for(risk.id, Scope.INTERNAL).value,
        )
    console.print(table)
    for name, req in pack.requirements.items():
        values = ", ".join(f"{k}={v:g}" for k, v in req.values.items())
        console.print(f"[cyan]{name}[/]: {values} — {req.clause}")


@app.command("validate")
@reports_errors
def validate(path: Annotated[Path, typer.Argument(help="Pack file / 策略包文件")]) -> None:
    """Check an operator's pack against the schema / 校验策略包."""
    pack = load_policy(path)
    console.print(
        f"[green]OK[/] {pack.id} {pack.version}: {len(pack.categories)} categories / 类别, "
        f"{len(pack.risks)} risks / 风险, {len(pack.requirements)} requirements / 要求"
    )
