"""``hegui policy coverage``: per risk, which detectors can actually detect it.

Honest by construction: a risk is covered by a detector only if the detector has data for one
of the risk's labels — keyword entries, a trained classifier head, a guard-model category
mapping or a PII pattern. Risks nothing covers are listed as such.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hegui._cli_support import reports_errors
from hegui.detect.classifier import EmbeddingClassifier, NgramClassifier
from hegui.detect.guard import GuardFamily, labels_covered
from hegui.detect.keywords import KeywordLibrary
from hegui.policy import PolicyPack, load_policy


@dataclass
class RiskCoverage:
    """What can detect one risk of a pack."""

    risk: str
    name_zh: str
    name_en: str
    labels: list[str]
    keyword_entries: int
    ngram_heads: list[str] = field(default_factory=list)
    e5_heads: list[str] = field(default_factory=list)
    guard_models: list[str] = field(default_factory=list)
    pii: bool = False

    @property
    def detectors(self) -> list[str]:
        found = []
        if self.keyword_entries:
            found.append("keywords")
        if self.ngram_heads:
            found.append("ngram")
        if self.e5_heads:
            found.append("e5")
        if self.pii:
            found.append("pii")
        found += [f"guard:{name}" for name in self.guard_models]
        return found


def risk_coverage(pack: PolicyPack) -> list[RiskCoverage]:
    """Coverage of every risk in ``pack`` by the shipped detectors."""
    counts = KeywordLibrary.load().label_counts()
    ngram = set(NgramClassifier().labels())
    e5 = set(EmbeddingClassifier().labels())
    guards = {family.value: labels_covered(family) for family in GuardFamily}
    rows = []
    for risk in pack.risks:
        labels = set(risk.labels)
        rows.append(
            RiskCoverage(
                risk=risk.id,
                name_zh=risk.name.zh,
                name_en=risk.name.en,
                labels=sorted(labels),
                keyword_entries=sum(counts.get(label, 0) for label in labels),
                ngram_heads=sorted(labels & ngram),
                e5_heads=sorted(labels & e5),
                guard_models=sorted(f for f, covered in guards.items() if labels & covered),
                pii="pii" in labels,
            )
        )
    return rows


@reports_errors
def coverage(
    policy: Annotated[str, typer.Argument(help="Policy pack id or path / 策略包")],
    json_out: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Show which detectors can detect each risk / 显示每个风险由哪些检测器覆盖."""
    pack = load_policy(policy)
    rows = risk_coverage(pack)
    if json_out:
        payload = [asdict(r) | {"detectors": r.detectors} for r in rows]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{pack.id} {pack.version} — detector coverage / 检测覆盖")
    for column in ("risk", "名称 / name", "keywords", "ngram", "e5", "guard models", "pii"):
        table.add_column(column)
    uncovered = 0
    for r in rows:
        if not r.detectors:
            uncovered += 1
        table.add_row(
            r.risk,
            f"{r.name_zh} / {r.name_en}",
            str(r.keyword_entries) if r.keyword_entries else "[red]—[/]",
            ", ".join(r.ngram_heads) or "[red]—[/]",
            ", ".join(r.e5_heads) or "[red]—[/]",
            ", ".join(r.guard_models) or "—",
            "yes" if r.pii else "—",
        )
    console = Console()
    console.print(table)
    console.print(
        f"{len(rows) - uncovered}/{len(rows)} risks covered by at least one detector; "
        f"{uncovered} not covered by anything yet / {uncovered} 个风险暂无检测器覆盖"
    )
