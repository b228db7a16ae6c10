"""The n-gram classifier: hashed character n-grams and linear heads the project trains.

Inference is one hashing pass and two sparse dot products per segment — well under a
millisecond for a 200-character text. Long texts are scored in sentence-aligned segments
(:func:`segments`) and the highest score per label wins, so a harmful sentence buried in a
long benign text is still scored nearly on its own and the cost grows linearly with length.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize as l2_normalise

from hegui.detect.classifier._heads import Heads, feature_mismatch, load_heads
from hegui.detect.classifier._scorer import HeadClassifier
from hegui.detect.classifier._text import normalise, segments

NORMALISATION = "nfkc-lower-t2s-v1"
ANALYZERS = ("char", "char_wb")


@dataclass(frozen=True)
class NgramFeatures:
    """How texts become hashed n-gram vectors; stored in, and read back from, head files.

    Counts are log-scaled (``1 + log tf``) and each row is L2-normalised.
    """

    n_features: int = 2**18
    analyzer: str = "char_wb"
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

    def vectoriser(self) -> HashingVectorizer:
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
        matrix = (vectoriser or self.vectoriser()).transform(texts)
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

    def _matrix(self, text: str) -> sparse.csr_matrix:
        folded = normalise(text)
        parts = [folded[a:b] for a, b in segments(folded, self.features.whole, self.features.chunk)]
        return self.features.transform(parts, self._vectoriser)
