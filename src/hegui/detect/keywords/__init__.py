"""Keyword library and detector: evasion-resistant matching of plain-file keyword lists.

See ``docs/keywords.md`` for the file format, the normalisation rules and the engine choice.
"""

from __future__ import annotations

from hegui.detect.keywords._detector import KeywordDetector
from hegui.detect.keywords._library import KeywordEntry, KeywordLibrary
from hegui.detect.keywords._matcher import Hit
from hegui.detect.keywords._normalize import NormalizedText, normalize
from hegui.detect.keywords._pending import PendingKeywords

__all__ = [
    "Hit",
    "KeywordDetector",
    "KeywordEntry",
    "KeywordLibrary",
    "NormalizedText",
    "PendingKeywords",
    "normalize",
]
