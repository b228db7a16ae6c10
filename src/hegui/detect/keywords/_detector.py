"""The keyword detector: normalise, match, report hits as spans of the original text."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from hegui.detect._types import DetectorResult, Role, Span
from hegui.detect.keywords._library import KeywordLibrary
from hegui.detect.keywords._matcher import MAX_GAP, Hit
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
        hits = self._matcher.find(normalize(text)) if text else []
        return self._result(text, hits, 0, (time.perf_counter() - began) * 1000.0)

    def detect_many(self, texts: Sequence[str], role: Role) -> list[DetectorResult]:
        """Exactly ``[detect(t, role) for t in texts]``, in one normalisation and one pass.

        The texts are joined with ``MAX_GAP + 1`` line breaks between them, more visible
        separators than a hit may span, so no keyword can match across two texts; hits are
        then handed back to their text. Each result's latency is its share of the batch's.
        """
        if not texts:
            return []
        began = time.perf_counter()
        joiner = "\n" * (MAX_GAP + 1)
        starts = np.cumsum([0, *(len(t) + len(joiner) for t in texts[:-1])])
        hits = self._matcher.find(normalize(joiner.join(texts)))
        owners = np.searchsorted(starts, [hit.start for hit in hits], side="right") - 1
        per_text: list[list[Hit]] = [[] for _ in texts]
        for hit, owner in zip(hits, owners.tolist(), strict=True):
            per_text[owner].append(hit)
        share = (time.perf_counter() - began) * 1000.0 / len(texts)
        # Most texts of a batch hit nothing: they share one (immutable) empty result.
        empty = DetectorResult(detector=self.name, scores={}, spans=(), latency_ms=share)
        return [
            self._result(text, found, int(offset), share) if found else empty
            for text, found, offset in zip(texts, per_text, starts.tolist(), strict=True)
        ]

    def _result(
        self, text: str, hits: Sequence[Hit], offset: int, latency_ms: float
    ) -> DetectorResult:
        """The result for ``text`` from its hits, whose offsets are ``offset`` too far."""
        scores: dict[str, float] = {}
        spans: list[Span] = []
        for hit in hits:
            start, end = hit.start - offset, hit.end - offset
            scores[hit.label] = max(hit.weight, scores.get(hit.label, 0.0))
            spans.append(
                Span(
                    start=start,
                    end=end,
                    text=text[start:end],
                    label=hit.label,
                    detector=self.name,
                    score=hit.weight,
                )
            )
        return DetectorResult(
            detector=self.name, scores=scores, spans=tuple(spans), latency_ms=latency_ms
        )
