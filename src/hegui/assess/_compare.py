"""Comparing two runs: per metric and per risk, the difference and whether it is significant."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from hegui.assess._results import Metric, Results
from hegui.assess._rundir import RESULTS
from hegui.assess._stats import two_proportion_p
from hegui.errors import HeguiError

ALPHA = 0.05


@dataclass(frozen=True)
class Difference:
    """One figure in both runs: ``b - a``, the two-proportion test's p-value, significance."""

    scope: str
    metric: str
    a: Metric
    b: Metric

    @property
    def delta(self) -> float | None:
        if self.a.value is None or self.b.value is None:
            return None
        return self.b.value - self.a.value

    @property
    def p_value(self) -> float:
        return two_proportion_p(self.a.count, self.a.n, self.b.count, self.b.n)

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA


def read_results(folder: Path) -> Results:
    """A run's ``results.json``; :class:`HeguiError` when missing or not hegui results."""
    where = folder / RESULTS
    try:
        return Results.model_validate_json(where.read_bytes())
    except OSError:
        raise HeguiError(
            "no results.json here; finish the run first",
            "此处没有 results.json；请先完成评估",
            str(folder),
        ) from None
    except ValidationError as exc:
        raise HeguiError(
            f"not a hegui results file: {exc.errors()[0]['msg']}",
            f"不是 hegui 评估结果文件：{exc.errors()[0]['msg']}",
            str(where),
        ) from None


def compare(a: Results, b: Results) -> list[Difference]:
    """Differences for every metric both runs have: overall, per risk, aspect and language."""
    rows = [
        Difference("overall", name, a.metrics[name], b.metrics[name])
        for name in a.metrics
        if name in b.metrics
    ]
    for table_a, table_b in (
        (a.per_risk, b.per_risk),
        (a.per_aspect, b.per_aspect),
        (a.per_language, b.per_language),
    ):
        for scope, metrics in table_a.items():
            other = table_b.get(scope, {})
            rows += [
                Difference(scope, name, m, other[name])
                for name, m in metrics.items()
                if name in other
            ]
    return rows
