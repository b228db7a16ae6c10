"""The n-gram classifier: hashed character n-grams and linear heads the project trains.

Inference is one hashing pass and two sparse dot products per segment — well under a
millisecond for a 200-character text. Long texts are scored in sentence-aligned segments
(:func:`segments`) and the highest score per label wins, so a harmful sentence buried in a
long benign text is still scored nearly on its own and the cost grows linearly with length.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize as l2_normalise

from hegui.detect._types import DetectorResult, Role
from hegui.detect.classifier._hashing import hashed_features
from hegui.detect.classifier._heads import Heads, feature_mismatch, load_heads
from hegui.detect.classifier._scorer import HeadClassifier
from hegui.detect.classifier._text import normalise, segments

NORMALISATION = "nfkc-lower-t2s-v1"
ANALYZERS = ("char", "char_wb", "char-np")


@dataclass(frozen=True)
class NgramFeatures:
    """How texts become hashed n-gram vectors; stored in, and read back from, head files.

    Counts are log-scaled (``1 + log tf``) and each row is L2-normalised. ``char-np`` is the
    fast numpy hashing of :mod:`._hashing`; ``char`` / ``char_wb`` are scikit-learn's analyzers,
    still read from head files trained with them.
    """

    n_features: int = 2**18
    analyzer: str = "char-np"
    ngram_min: int = 1
    ngram_max: int = 4
    whole: int = 200
    chunk: int = 100

    def as_meta(self) -> dict[str, Any]:
        return {
            "n_features": self.n_features,
            "analyzer": self.analyzer,
            "ngram_range": [self.ngram_min, self.ngram_max],
            "normalisation": NORMALISATION,
            "whole": self.whole,
            "chunk": self.chunk,
        }

    @classmethod
    def from_meta(cls, meta: dict[str, Any], where: str) -> NgramFeatures:
        """Rebuild the parameters a head file was trained with, or explain why not."""
        if meta.get("normalisation") != NORMALISATION:
            raise feature_mismatch("normalisation", meta.get("normalisation"), NORMALISATION, where)
        if meta.get("analyzer") not in ANALYZERS:
            raise feature_mismatch("analyzer", meta.get("analyzer"), list(ANALYZERS), where)
        low, high = meta.get("ngram_range", [0, 0])
        if not 1 <= low <= high <= 8:
            raise feature_mismatch("ngram_range", [low, high], "[a, b], 1 <= a <= b <= 8", where)
        whole, chunk = meta.get("whole", 0), meta.get("chunk", 0)
        if not 2 <= chunk <= whole:
            raise feature_mismatch("whole/chunk", [whole, chunk], "2 <= chunk <= whole", where)
        return cls(int(meta["n_features"]), str(meta["analyzer"]), low, high, whole, chunk)

    def vectoriser(self) -> HashingVectorizer | None:
        """scikit-learn's vectoriser for the ``char`` / ``char_wb`` analyzers (None: numpy)."""
        if self.analyzer == "char-np":
            return None
        return HashingVectorizer(
            n_features=self.n_features,
            analyzer=self.analyzer,
            ngram_range=(self.ngram_min, self.ngram_max),
            alternate_sign=False,
            lowercase=False,
            norm=None,
            dtype=np.float32,
        )

    def transform(self, texts: list[str], vectoriser: HashingVectorizer | None = None) -> Any:
        """``(len(texts), n_features)`` CSR matrix for already-normalised ``texts``."""
        if self.analyzer == "char-np":
            return hashed_features(texts, self.ngram_min, self.ngram_max, self.n_features)
        sklearn_vectoriser = vectoriser or self.vectoriser()
        assert sklearn_vectoriser is not None
        matrix = sklearn_vectoriser.transform(texts)
        matrix.data = 1.0 + np.log(matrix.data)
        return l2_normalise(matrix, norm="l2", copy=False)


def default_ngram_heads() -> Path:
    """Path of the shipped n-gram head file."""
    return Path(str(resources.files("hegui").joinpath("detect/classifier/weights/ngram.npz")))


class NgramClassifier(HeadClassifier):
    """Detector ``"ngram"``: scores every label it has a head for, per text, in [0, 1].

    ``heads`` defaults to the shipped file; a bad file raises :class:`HeguiError` at
    construction. The role is not a feature: prompts and answers share the heads.
    """

    name = "ngram"

    def __init__(self, heads: Path | None = None) -> None:
        path = heads or default_ngram_heads()
        self._heads: Heads = load_heads(path, "ngram")
        self.features = NgramFeatures.from_meta(self._heads.meta.get("features", {}), str(path))
        self._vectoriser = self.features.vectoriser()

    def _windows(self, text: str) -> list[str]:
        folded = normalise(text)
        return [folded[a:b] for a, b in segments(folded, self.features.whole, self.features.chunk)]

    def _matrix(self, text: str) -> sparse.csr_matrix:
        return self.features.transform(self._windows(text), self._vectoriser)

    def detect_many(self, texts: Sequence[str], role: Role) -> list[DetectorResult]:
        """Exactly ``[detect(t, role) for t in texts]``, with every text's windows hashed and
        scored as one matrix (rows are independent, so each text's scores are the same); about
        twice as fast as one call per text. Each result's latency is its share of the batch's.
        """
        if not texts:
            return []
        started = time.perf_counter()
        windows = [self._windows(text) for text in texts]
        matrix = self.features.transform([w for ws in windows for w in ws], self._vectoriser)
        per_text = [self._heads.shift_for(text, role.value) for text in texts]
        shifts = np.repeat(per_text, [len(w) for w in windows])
        scores = self._heads.label_scores(matrix, shifts.astype(np.float32))
        bounds = np.cumsum([0, *(len(ws) for ws in windows)]).tolist()
        share = (time.perf_counter() - started) * 1000 / len(texts)
        return [self._result(scores[a:b].max(axis=0), share) for a, b in itertools.pairwise(bounds)]
