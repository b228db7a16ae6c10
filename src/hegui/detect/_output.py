"""Verdicts as the JSON objects of the CLI contract (``hegui check --json``)."""

from __future__ import annotations

from typing import Any

from hegui.detect._types import Verdict


def verdict_to_json(verdict: Verdict, item_id: object) -> dict[str, Any]:
    """One output object: the contract fields first, then the explanation fields."""
    return {
        "id": item_id,
        "decision": verdict.decision.value,
        "categories": [
            {"id": c.id, "score": c.score, "decision": c.decision.value, "detector": c.detector}
            for c in verdict.categories
        ],
        "spans": [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "label": s.label,
                "detector": s.detector,
                "score": round(s.score, 4),
            }
            for s in sorted(verdict.spans, key=lambda s: (s.start, s.end))
        ],
        "latency_ms": round(verdict.total_latency_ms, 3),
        "decided_by": verdict.decided_by,
        "detectors_ms": verdict.latency_ms,
        "errors": verdict.errors,
        "policy": {"id": verdict.policy_id, "version": verdict.policy_version},
        "role": verdict.role.value,
    }
