"""The PII detector: personal data found in a text, as spans under the ``pii`` label."""

from __future__ import annotations

import time
from collections.abc import Sequence

from hegui.detect._types import DetectorResult, Role, Span
from hegui.detect.pii._finders import find_pii, may_contain_pii_many


class PiiDetector:
    """A :class:`~hegui.detect.Detector` for personal data (see :func:`find_pii`).

    Every finding is a span labelled ``pii`` scored ``score``; the result's ``scores`` is
    ``{"pii": score}`` when anything is found and empty otherwise. The score is deliberately
    not 1.0: what personal data in a prompt or answer means is the policy's decision.
    Stateless and thread-safe.
    """

    name = "pii"

    def __init__(self, score: float = 0.6, region: str = "CN") -> None:
        """``region``: the default region for phone numbers written without ``+``."""
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {score}")
        self.score = score
        self.region = region

    def detect(self, text: str, role: Role) -> DetectorResult:
        """Find personal data in ``text``; ``role`` does not change what counts."""
        started = time.perf_counter()
        spans = tuple(
            Span(f.start, f.end, text[f.start : f.end], "pii", self.name, self.score)
            for f in find_pii(text, self.region)
        )
        scores = {"pii": self.score} if spans else {}
        return DetectorResult(self.name, scores, spans, (time.perf_counter() - started) * 1000)

    def detect_many(self, texts: Sequence[str], role: Role) -> list[DetectorResult]:
        """Exactly ``[detect(t, role) for t in texts]``; texts with no digit and no "@"
        (nothing any finder could match) are answered without running the finders."""
        nothing = DetectorResult(self.name, {}, (), 0.0)  # shared: results are not mutated
        wanted = may_contain_pii_many(texts)
        return [
            self.detect(text, role) if want else nothing
            for text, want in zip(texts, wanted, strict=True)
        ]
