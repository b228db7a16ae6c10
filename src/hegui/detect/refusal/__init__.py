"""Refusal judge: is an answer a full refusal, a partial one, or none (zh + en)."""

from __future__ import annotations

from hegui.detect.refusal._escalate import EscalatingJudge, EscalationConfig
from hegui.detect.refusal._judge import RefusalJudge, RefusalKind, RefusalResult

__all__ = ["EscalatingJudge", "EscalationConfig", "RefusalJudge", "RefusalKind", "RefusalResult"]
