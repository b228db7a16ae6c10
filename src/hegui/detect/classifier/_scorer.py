"""What the n-gram and the e5 classifier share: trained heads scored over a text's windows."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Any

from hegui.detect._types import DetectorResult, Role
from hegui.detect.classifier._heads import Heads


class HeadClassifier(ABC):
    """A detector that scores the windows of a text with trained heads; the worst window wins.

    Subclasses turn a text into one feature row per window (:meth:`_matrix`).
    """

    name: str
    _heads: Heads

    def labels(self) -> list[str]:
        """The detector labels this classifier has a category head for."""
        return list(self._heads.labels)

    @property
    def metrics(self) -> dict[str, Any]:
        """Evaluation figures recorded when the heads were trained (``{}`` if none)."""
        return dict(self._heads.meta.get("metrics", {}))

    @property
    def meta(self) -> dict[str, Any]:
        """Everything the head file records about its training."""
        return dict(self._heads.meta)

    def unsafe_probability(self, text: str, role: Role = Role.PROMPT) -> float:
        """P(unsafe) of the most suspicious window of ``text``."""
        shift = self._heads.shift_for(text, role.value)
        return float(self._heads.unsafe_probability(self._matrix(text), shift).max())

    def detect(self, text: str, role: Role) -> DetectorResult:
        """Per-label scores of ``text``; the role is not a feature (one set of heads), it only
        selects whether the per-script shift applies (prompts)."""
        started = time.perf_counter()
        shift = self._heads.shift_for(text, role.value)
        scores = self._heads.label_scores(self._matrix(text), shift).max(axis=0)
        return self._result(scores, (time.perf_counter() - started) * 1000)

    def _result(self, scores: Any, elapsed_ms: float) -> DetectorResult:
        """The result for one text from its per-label scores (the max over its windows)."""
        result = {
            label: round(s, 4) for label, s in zip(self._heads.labels, scores.tolist(), strict=True)
        }
        return DetectorResult(self.name, result, (), elapsed_ms)

    @abstractmethod
    def _matrix(self, text: str) -> Any:
        """One feature row per window of ``text``."""
