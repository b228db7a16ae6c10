"""Detection: detectors that score text against a policy, the cascade, the refusal judge.

The public surface is re-exported here; everything in ``_``-prefixed modules may change.
The cascade is imported lazily because it depends on :mod:`hegui.policy`, which itself uses
this package's shared types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hegui.detect._types import (
    CategoryScore,
    Decision,
    Detector,
    DetectorResult,
    Role,
    Span,
    Verdict,
)

if TYPE_CHECKING:
    from hegui.detect._cascade import Cascade, Tier, TierKind, TierRun
    from hegui.detect._default import build_cascade

_LAZY = {
    "Cascade": "hegui.detect._cascade",
    "Tier": "hegui.detect._cascade",
    "TierKind": "hegui.detect._cascade",
    "TierRun": "hegui.detect._cascade",
    "build_cascade": "hegui.detect._default",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hegui.detect' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "Cascade",
    "CategoryScore",
    "Decision",
    "Detector",
    "DetectorResult",
    "Role",
    "Span",
    "Tier",
    "TierKind",
    "TierRun",
    "Verdict",
    "build_cascade",
]
