"""Training heads from labelled examples, and measuring them.

Both kinds train the same two heads (see :mod:`._heads`) on different features:

* ``ngram`` — hashed character n-grams of the normalised text (:class:`NgramFeatures`);
* ``e5`` — e5-small query embeddings (cached on disk when a cache directory is given)
  stacked with the same n-gram features.

Training examples are featurised on their first ``TRAIN_CHARS`` (400) characters;
the unsafe head's regularisation strength and decision threshold are chosen on the dev
examples, and the intercept is shifted so that threshold sits at 0.5.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from hegui.detect.classifier._data import Example
from hegui.detect.classifier._embedding import (
    TRAIN_CHARS,
    embed_cached,
    features_meta,
    stacked_features,
)
from hegui.detect.classifier._heads import FloatArray, Heads
from hegui.detect.classifier._labels import SAFE, UNSAFE
from hegui.detect.classifier._ngram import NgramFeatures
from hegui.detect.classifier._text import normalise
from hegui.errors import HeguiError

KINDS = ("ngram", "e5")
C_GRID = {"ngram": (16.0, 64.0), "e5": (16.0, 64.0, 256.0)}
"""L2 strengths tried for the unsafe head, chosen on dev. The n-gram head stops at 64: at 256
(chosen on the 2026-12-01 dev split by 0.002 F1) short generic texts took extreme scores from
rare n-grams (an 18-character answer opener, 好的，以下是一般性的介绍，供你参考。, blocked at
0.94 for gender discrimination)."""
CATEGORY_C = {"ngram": 16.0, "e5": 16.0}
MAX_FALSE_FLAGS = 0.06
"""Largest share of dev safe examples the unsafe head's threshold may flag."""

Progress = Callable[[int], None]


class Featuriser:
    """Turns examples into the feature matrix of one kind of head."""

    def __init__(
        self,
        kind: str,
        ngram: NgramFeatures | None = None,
        cache_dir: Path | None = None,
        progress: Progress | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown classifier kind {kind!r}")
        self.kind = kind
        self.ngram = ngram or NgramFeatures()
        self.cache_dir = cache_dir
        self.progress = progress

    def meta(self) -> dict[str, Any]:
        return self.ngram.as_meta() if self.kind == "ngram" else features_meta(self.ngram)

    def __call__(self, examples: Sequence[Example]) -> Any:
        texts = [example.text for example in examples]
        if self.kind == "ngram":
            return self.ngram.transform([normalise(text)[:TRAIN_CHARS] for text in texts])
        firsts = [text.strip()[:TRAIN_CHARS] for text in texts]
        embeddings = embed_cached(firsts, self.cache_dir, self.progress)
        return stacked_features(self.ngram, firsts, embeddings)


def fit_heads(
    featuriser: Featuriser,
    train: Sequence[Example],
    dev: Sequence[Example],
    seed: int = 0,
) -> Heads:
    """Train both heads on ``train``, tune the unsafe head on ``dev``, and measure on ``dev``.

    Raises :class:`HeguiError` when ``train`` lacks safe or unsafe examples.
    """
    y_train = np.array([example.unsafe for example in train])
    if y_train.all() or not y_train.any():
        raise HeguiError(
            "training data needs both safe and unsafe examples",
            "训练数据必须同时包含安全（safe）和不安全的样本",
        )
    x_train = featuriser(train)
    x_dev = featuriser(dev) if dev else None
    y_dev = np.array([example.unsafe for example in dev])
    tunable = x_dev is not None and y_dev.any() and not y_dev.all()
    best: tuple[float, LogisticRegression, float] | None = None
    grid = C_GRID[featuriser.kind] if tunable else (C_GRID[featuriser.kind][1],)
    for c in grid:
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", random_state=seed)
        model.fit(x_train, y_train)
        if tunable:
            threshold, f1 = _best_threshold(model.predict_proba(x_dev)[:, 1], y_dev)
        else:
            threshold, f1 = 0.5, 0.0
        if best is None or f1 > best[0]:
            best = (f1, model, threshold)
    assert best is not None
    _, binary, threshold = best
    labels, w_cat, b_cat = _fit_categories(featuriser, x_train, train, seed)
    shift = math.log(threshold / (1.0 - threshold))
    meta = {
        "kind": featuriser.kind,
        "features": featuriser.meta(),
        "trained": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data_sha1": data_hash(train),
        "train_examples": len(train),
        "dev_examples": len(dev),
        "seed": seed,
        "unsafe_head": {"C": float(binary.C), "dev_threshold": round(threshold, 4)},
        "category_head": {"C": CATEGORY_C[featuriser.kind]},
    }
    heads = Heads(
        labels=labels,
        w_bin=binary.coef_[0].astype(np.float32),
        b_bin=float(binary.intercept_[0]) - shift,
        w_cat=w_cat,
        b_cat=b_cat,
        meta=meta,
    )
    if dev:
        heads.meta["metrics"] = {"dev": measure(heads, x_dev, dev)}
    return heads


def _fit_categories(
    featuriser: Featuriser, x_train: Any, train: Sequence[Example], seed: int
) -> tuple[tuple[str, ...], FloatArray, FloatArray]:
    rows = [i for i, example in enumerate(train) if example.label not in (SAFE, UNSAFE)]
    names = sorted({train[i].label for i in rows})
    dim = x_train.shape[1]
    if len(names) < 2:
        return (
            tuple(names),
            np.zeros((dim, len(names)), np.float32),
            np.zeros(len(names), np.float32),
        )
    model = LogisticRegression(C=CATEGORY_C[featuriser.kind], max_iter=1000, random_state=seed)
    model.fit(x_train[rows], [train[i].label for i in rows])
    coef, intercept = model.coef_, model.intercept_
    if len(names) == 2:  # sklearn keeps one row for two classes: softmax([0, z]) == sigmoid(z)
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.array([0.0, intercept[0]])
    order = [list(model.classes_).index(name) for name in names]
    return tuple(names), coef[order].T.astype(np.float32), intercept[order].astype(np.float32)


def _best_threshold(proba: FloatArray, truth: np.ndarray[Any, Any]) -> tuple[float, float]:
    """The threshold in [0.05, 0.95] maximising F1 of ``proba >= t`` against ``truth`` among
    those flagging at most ``MAX_FALSE_FLAGS`` of the safe examples (the lowest false-flag
    threshold when none does)."""
    candidates = []
    for t in np.arange(0.05, 0.951, 0.01):
        pred = proba >= t
        false_flags = float(np.sum(pred & ~truth)) / max(1, int(np.sum(~truth)))
        within = false_flags <= MAX_FALSE_FLAGS
        f1 = _prf(pred, truth)[2]
        candidates.append((within, f1 if within else -false_flags, f1, float(t)))
    _, _, f1, threshold = max(candidates)
    return threshold, f1


def _prf(pred: np.ndarray[Any, Any], truth: np.ndarray[Any, Any]) -> tuple[float, float, float]:
    tp = int(np.sum(pred & truth))
    fp = int(np.sum(pred & ~truth))
    fn = int(np.sum(~pred & truth))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def measure(heads: Heads, features: Any, examples: Sequence[Example]) -> dict[str, Any]:
    """Metrics of ``heads`` on ``examples`` (rows of ``features``): overall (``all``), per
    language (``zh``) and per language and role (``zh/prompt``).

    Per group: unsafe-vs-safe precision, recall, F1 and the false-flag rate on safe examples
    (unsafe means P(unsafe) >= 0.5), and per-label F1 where the predicted label is the top
    category of a text predicted unsafe, else ``safe`` (examples labelled ``unsafe`` without
    a category are left out of the per-label figures).
    """
    p_unsafe = heads.unsafe_probability(features)
    label_scores = heads.label_scores(features)
    predicted = []
    for i, p in enumerate(p_unsafe):
        if p < 0.5:
            predicted.append(SAFE)
        elif heads.labels:
            predicted.append(heads.labels[int(np.argmax(label_scores[i]))])
        else:
            predicted.append(UNSAFE)
    groups: dict[str, list[int]] = {"all": list(range(len(examples)))}
    for i, example in enumerate(examples):
        if example.lang:
            groups.setdefault(example.lang, []).append(i)
            groups.setdefault(f"{example.lang}/{example.role}", []).append(i)
    return {
        name: _group_metrics(idx, p_unsafe, predicted, examples)
        for name, idx in sorted(groups.items())
    }


def _group_metrics(
    idx: list[int], p_unsafe: FloatArray, predicted: list[str], examples: Sequence[Example]
) -> dict[str, Any]:
    truth = np.array([examples[i].unsafe for i in idx], dtype=bool)
    pred = np.array([p_unsafe[i] >= 0.5 for i in idx], dtype=bool)
    precision, recall, f1 = _prf(pred, truth)
    n_safe = int((~truth).sum())
    per_label: dict[str, float] = {}
    gold = [examples[i].label for i in idx]
    guess = [predicted[i] for i in idx]
    for label in sorted(set(gold) - {SAFE, UNSAFE}):
        keep = [k for k, g in enumerate(gold) if g != UNSAFE]
        g = np.array([gold[k] == label for k in keep], dtype=bool)
        p = np.array([guess[k] == label for k in keep], dtype=bool)
        per_label[label] = round(_prf(p, g)[2], 4)
    return {
        "n": len(idx),
        "n_unsafe": int(truth.sum()),
        "n_safe": n_safe,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "false_flag_rate": round(float((pred & ~truth).sum()) / n_safe, 4) if n_safe else None,
        "per_label_f1": per_label,
    }


def data_hash(examples: Sequence[Example]) -> str:
    """SHA-1 over the sorted ``(label, text)`` pairs: identifies the training data."""
    digest = hashlib.sha1()
    for label, text in sorted((example.label, example.text) for example in examples):
        digest.update(f"{label}\t{text}\n".encode())
    return digest.hexdigest()
