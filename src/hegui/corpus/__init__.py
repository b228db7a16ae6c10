"""Training-data audit: per-source unsafe share with 95% intervals, the 5% rule, the TC260
manual and technical checks; streamed on local processes or on Ray.

See ``docs/corpus.md``.
"""

from __future__ import annotations

from hegui.corpus._audit import run_audit
from hegui.corpus._models import (
    AuditResults,
    AuditSettings,
    ClassifierRun,
    Engine,
    JudgeOn,
    ManualCheck,
    SourceFrom,
    SourceResult,
    TechnicalCheck,
)
from hegui.corpus._review import draw_sample, import_review

__all__ = [
    "AuditResults",
    "AuditSettings",
    "ClassifierRun",
    "Engine",
    "JudgeOn",
    "ManualCheck",
    "SourceFrom",
    "SourceResult",
    "TechnicalCheck",
    "draw_sample",
    "import_review",
    "run_audit",
]
