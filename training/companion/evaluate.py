"""Escalation figures of the companion risk scorer, as the monitor applies it.

A message escalates when an intent rule matches it or its explicit self-harm probability
reaches ``escalate_at`` (:meth:`hegui.companion.RiskScores.escalates`). Per language: recall on
``explicit_self_harm`` (also of each tier alone), the false-escalation rate on
``everyday_distress`` + ``neutral``, and the escalation rate of ``ambiguous_self_harm`` (which
should mostly get a support notice instead).
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]

NOT_SELF_HARM = ("everyday_distress", "neutral")
GRID = tuple(round(0.30 + 0.05 * i, 2) for i in range(9))
"""Thresholds the calibration tries: 0.30 … 0.70."""


def escalation_figures(
    p_explicit: Array, rule: Array, y: Array, langs: Array, mask: Array, threshold: float
) -> dict[str, Any]:
    """Per language, over the rows in ``mask``: recall, false escalations, ambiguous rate."""
    out: dict[str, Any] = {}
    for lang in ("en", "zh"):
        mine = mask & (langs == lang)
        explicit = mine & (y == "explicit_self_harm")
        benign = mine & np.isin(y, NOT_SELF_HARM)
        ambiguous = mine & (y == "ambiguous_self_harm")
        model = p_explicit >= threshold
        up = model | rule
        out[lang] = {
            "explicit_recall": _rate(up, explicit),
            "explicit_recall_classifier": _rate(model, explicit),
            "explicit_recall_rules": _rate(rule, explicit),
            "n_explicit": int(explicit.sum()),
            "false_escalation_rate": _rate(up, benign),
            "false_escalations_by_rules": int((rule & benign).sum()),
            "n_not_self_harm": int(benign.sum()),
            "ambiguous_escalation_rate": _rate(up, ambiguous),
            "n_ambiguous": int(ambiguous.sum()),
        }
    return out


def calibrate(
    p_explicit: Array, rule: Array, y: Array, langs: Array, budget: float
) -> tuple[float, dict[str, Any]]:
    """The lowest threshold of :data:`GRID` whose out-of-fold false-escalation rate is within
    ``budget`` in both languages (the highest recall that keeps it), and the sweep it read."""
    everything = np.ones(len(y), dtype=bool)
    sweep = {f"{t:g}": escalation_figures(p_explicit, rule, y, langs, everything, t) for t in GRID}
    for t in GRID:
        figures = sweep[f"{t:g}"]
        if all(figures[lang]["false_escalation_rate"] <= budget for lang in ("en", "zh")):
            return t, sweep
    return GRID[-1], sweep


def _rate(hit: Array, rows: Array) -> float | None:
    n = int(rows.sum())
    return round(float(hit[rows].mean()), 4) if n else None
