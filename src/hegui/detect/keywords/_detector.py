"""The keyword detector: normalise, match, report hits as spans of the original text."""

from __future__ import annotations

import time

from hegui.detect._types import DetectorResult, Role, Span
from hegui.detect.keywords._library import KeywordLibrary
from hegui.detect.keywords._normalize import normalize


class KeywordDetector:
    """Scores a text by the keywords it contains.

    ``scores`` maps each label hit to the highest weight among its hits; ``spans`` holds one
    :class:`Span` per hit and label, with offsets into the original text and ``score`` the
    entry's weight. The role does not change keyword matching.
    """

    name = "keywords"

    def __init__(self, library: KeywordLibrary) -> None:
        self.library = library
        self._matcher = library.matcher

    def detect(self, text: str, role: Role) -> DetectorResult:
        """Match ``text`` against the library (linear in the length of ``text``)."""
        began = time.perf_counter()
        scores: dict[str, float] = {}
        spans: list[Span] = []
        if text:
            for hit in self._matcher.find(normalize(text)):
                scores[hit.label] = max(hit.weight, scores.get(hit.label, 0.0))
                spans.append(
                    Span(
                        start=hit.start,
                        end=hit.end,
                        text=text[hit.start : hit.end],
                        label=hit.label,
                        detector=self.name,
                        score=hit.weight,
                    )
                )
        return DetectorResult(
            detector=self.name,
            scores=scores,
            spans=tuple(spans),
            latency_ms=(time.perf_counter() - began) * 1000.0,
        )
