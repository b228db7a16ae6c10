"""Trained heads: the ``.npz`` file format both classifiers share, loading and scoring.

A head file holds two linear heads over one feature space of ``dim`` columns:

* the *unsafe* head, a logistic regression giving P(unsafe | text); its intercept is shifted
  at training time so that the decision threshold chosen on the dev split sits at 0.5;
* the *category* head, a multinomial logistic regression giving P(label | text, unsafe).

A text's score for a label is ``P(unsafe) * P(label | unsafe) / max_l P(l | unsafe)``: the most
likely category carries the full unsafe probability, the others proportionally less.

``meta["script_shift"]`` (optional, ``{"cjk": float, "other": float}``) moves the unsafe head's
logit for *prompts* by the writing system of the text, chosen on the dev prompts after training
(``training/calibrate_script_shift.py``): one threshold for all languages had flagged English
look-alikes of unsafe prompts more often than Chinese ones. Answers keep the unshifted logit:
the shift was not chosen on answers, and the data has too few English unsafe answers to choose
one (moving answers too cost a fifth of the recall on jailbroken English answers).

Only the columns that carried a feature during training are stored (``cols``); the category
weights are stored as float16. ``meta`` is a JSON document (format version, kind, feature
parameters, training date, data hash, metrics) checked on load, so a file built for another
feature space is rejected with a message instead of silently scoring garbage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from hegui.detect.classifier._labels import known_labels
from hegui.detect.classifier._text import script_of
from hegui.errors import HeguiError

FORMAT_VERSION = 1

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Heads:
    """Dense, ready-to-score heads: ``w_bin`` is ``(dim,)``, ``w_cat`` is ``(dim, K)``."""

    labels: tuple[str, ...]
    w_bin: FloatArray
    b_bin: float
    w_cat: FloatArray
    b_cat: FloatArray
    meta: dict[str, Any]

    @property
    def dim(self) -> int:
        return int(self.w_bin.shape[0])

    def shift_for(self, text: str, role: str) -> float:
        """The unsafe logit's shift for a prompt in ``text``'s writing system (0 for answers
        and without calibration); ``role`` is ``"prompt"`` or ``"answer"``."""
        shifts = self.meta.get("script_shift")
        return float(shifts[script_of(text)]) if shifts and role == "prompt" else 0.0

    def label_scores(
        self, features: FloatArray | sparse.csr_matrix, shift: float | FloatArray = 0.0
    ) -> FloatArray:
        """Per-row label scores ``(n, K)`` for a feature matrix ``(n, dim)`` (module doc);
        ``shift`` is added to the unsafe logit (one value, or one per row)."""
        p_unsafe = self.unsafe_probability(features, shift)
        if not self.labels:
            return np.zeros((p_unsafe.shape[0], 0), dtype=np.float32)
        z_cat = np.asarray(features @ self.w_cat) + self.b_cat
        z_cat -= z_cat.max(axis=1, keepdims=True)
        p_cat = np.exp(z_cat)
        relative = p_cat / p_cat.max(axis=1, keepdims=True)
        scores: FloatArray = (p_unsafe[:, None] * relative).astype(np.float32)
        return scores

    def unsafe_probability(
        self, features: FloatArray | sparse.csr_matrix, shift: float | FloatArray = 0.0
    ) -> FloatArray:
        """P(unsafe) per row of ``features``, the logit moved by ``shift``."""
        z_bin = np.asarray(features @ self.w_bin).reshape(-1) + self.b_bin + shift
        return (1.0 / (1.0 + np.exp(-np.clip(z_bin, -50.0, 50.0)))).astype(np.float32)


def save_heads(path: Path, heads: Heads) -> None:
    """Write ``heads`` to ``path`` (compressed ``.npz``, no pickled objects)."""
    used = np.flatnonzero((heads.w_bin != 0) | np.any(heads.w_cat != 0, axis=1)).astype(np.int32)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(heads.meta, format_version=FORMAT_VERSION, dim=heads.dim)
    np.savez_compressed(
        path,
        meta=np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
        labels=np.array(heads.labels, dtype=np.str_),
        cols=used,
        w_bin=heads.w_bin[used].astype(np.float32),
        b_bin=np.array([heads.b_bin], dtype=np.float32),
        w_cat=heads.w_cat[used].astype(np.float16),
        b_cat=heads.b_cat.astype(np.float32),
    )


def load_heads(path: Path, kind: str) -> Heads:
    """Load a head file of ``kind`` (``"ngram"`` or ``"e5"``).

    Raises :class:`HeguiError` naming ``path`` when the file is missing, unreadable, of
    another format version or kind, or names labels ``labels.yaml`` does not define. The
    feature parameters in ``meta["features"]`` are checked by the classifier that uses them
    (:func:`feature_mismatch` builds the message).
    """
    where = str(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            labels = tuple(str(label) for label in data["labels"])
            cols = data["cols"].astype(np.int64)
            w_bin_used = data["w_bin"].astype(np.float32)
            b_bin = float(data["b_bin"][0])
            w_cat_used = data["w_cat"].astype(np.float32)
            b_cat = data["b_cat"].astype(np.float32)
    except FileNotFoundError:
        raise HeguiError("classifier head file not found", "找不到分类器权重文件", where) from None
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise HeguiError(
            f"not a hegui classifier head file ({type(exc).__name__}: {exc})",
            f"不是 hegui 分类器权重文件（{type(exc).__name__}：{exc}）",
            where,
        ) from None
    _check_meta(meta, kind, labels, where)
    dim = int(meta["dim"])
    if cols.size and (cols.min() < 0 or cols.max() >= dim):
        raise HeguiError("head columns out of range", "权重列号超出范围", where)
    w_bin = np.zeros(dim, dtype=np.float32)
    w_bin[cols] = w_bin_used
    w_cat = np.zeros((dim, len(labels)), dtype=np.float32)
    w_cat[cols] = w_cat_used
    return Heads(labels, w_bin, b_bin, w_cat, b_cat, meta)


def _check_meta(
    meta: dict[str, Any],
    kind: str,
    labels: tuple[str, ...],
    where: str,
) -> None:
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise HeguiError(
            f"head file format version {version}, this hegui reads version {FORMAT_VERSION}",
            f"权重文件格式版本为 {version}，本版本 hegui 只能读取版本 {FORMAT_VERSION}",
            where,
        )
    if meta.get("kind") != kind:
        raise HeguiError(
            f"head file is for the '{meta.get('kind')}' classifier, not '{kind}'",
            f"该权重文件属于“{meta.get('kind')}”分类器，而不是“{kind}”",
            where,
        )
    unknown = sorted(set(labels) - known_labels())
    if unknown:
        raise HeguiError(
            f"head file names labels not in labels.yaml: {unknown}",
            f"权重文件包含 labels.yaml 中未定义的标签：{unknown}",
            where,
        )


def feature_mismatch(key: str, found: object, supported: object, where: str) -> HeguiError:
    """The error for a head file whose feature parameter ``key`` this hegui cannot compute."""
    return HeguiError(
        f"head file was trained with {key}={found!r}, this classifier supports "
        f"{key}={supported!r}; retrain with `hegui train`",
        f"权重文件训练时 {key}={found!r}，当前分类器支持 {key}={supported!r}；"
        "请用 `hegui train` 重新训练",
        where,
    )
