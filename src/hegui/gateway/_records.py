"""How verdicts and texts are written into audit records."""

from __future__ import annotations

import hashlib
from typing import Any

from hegui.detect import Decision, Verdict
from hegui.detect.pii import redact
from hegui.gateway._config import ContentMode


def verdict_record(verdict: Verdict) -> dict[str, Any]:
    """A verdict as it is recorded and returned: decision, categories, evidence, timings."""
    return {
        "decision": verdict.decision.value,
        "categories": [
            {"id": c.id, "score": round(c.score, 4), "detector": c.detector, "decision": c.decision}
            for c in verdict.categories
            if c.decision is not Decision.ALLOW
        ],
        "decided_by": verdict.decided_by,
        "detectors": sorted(verdict.latency_ms),
        "spans": [
            {"start": s.start, "end": s.end, "label": s.label, "detector": s.detector}
            for s in verdict.spans
        ],
        "latency_ms": {k: round(v, 3) for k, v in verdict.latency_ms.items()},
        "errors": dict(verdict.errors),
    }


def blocked_risks(verdict: Verdict) -> list[str]:
    """Risk ids that made the verdict block."""
    return [c.id for c in verdict.categories if c.decision is Decision.BLOCK]


def stored_text(text: str | None, mode: ContentMode) -> str | None:
    """The text as the app's content setting keeps it."""
    if text is None:
        return None
    if mode == "hash":
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    if mode == "redact":
        return redact(text)
    return text


def worst(*decisions: str | None) -> str:
    """The most severe of the decisions given (``error`` outranks ``block``)."""
    order = {"allow": 0, "flag": 1, "block": 2, "error": 3}
    present = [d for d in decisions if d is not None]
    return max(present, key=lambda d: order.get(d, 0)) if present else "allow"
