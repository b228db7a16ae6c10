"""The per-turn risk scorer: self-harm intent (explicit / ambiguous), extreme emotion, dependence.

Two tiers. The classifier: features are those of hegui's e5 classifier tier
(:mod:`hegui.detect.classifier`), the e5-small query embedding of the message stacked with its
hashed character n-grams; one multinomial logistic-regression head over six labels, trained by
``training/companion/train.py`` on the project's labelled messages, gives a probability per
label. The intent rules (:mod:`hegui.companion._intent`): first-person statements of intent,
plan or act that escalate whatever the classifier says. The pack's thresholds decide what
happens (:class:`hegui.policy._companion.RiskRules`; :meth:`RiskScores.escalates`).

The weight file is a compressed ``.npz`` without pickled objects: ``meta`` (JSON: feature
parameters, training date, data hash, cross-validated metrics), ``labels``, the used columns
``cols`` and their weights ``w`` (float16), and the biases ``b``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from hegui.companion._intent import IntentRules
from hegui.detect.classifier._embedding import embed, features_meta, stacked_features
from hegui.detect.classifier._heads import FloatArray
from hegui.detect.classifier._ngram import NgramFeatures
from hegui.errors import HeguiError

LABELS = (
    "explicit_self_harm",
    "ambiguous_self_harm",
    "everyday_distress",
    "dependence",
    "extreme_emotion",
    "neutral",
)
"""The scorer's labels, in the order of its output."""
MAX_CHARS = 400
"""Only a message's first ``MAX_CHARS`` characters are scored (as in training)."""
FORMAT = "hegui-companion-risk-1"


@dataclass(frozen=True)
class RiskScores:
    """Probabilities of one message per label (they sum to 1), the intent rule it matched, and
    the time scoring took."""

    explicit_self_harm: float
    ambiguous_self_harm: float
    everyday_distress: float
    dependence: float
    extreme_emotion: float
    neutral: float
    intent_rule: str | None = None
    """Id of the first-person intent rule the message matched (``intent.yaml``), if any."""
    elapsed_ms: float = 0.0

    def escalates(self, escalate_at: float) -> bool:
        """The message goes to a human: an intent rule matched, or the classifier's explicit
        self-harm probability reaches the pack's ``escalate_at``."""
        return self.intent_rule is not None or self.explicit_self_harm >= escalate_at

    def as_dict(self) -> dict[str, float]:
        """The six probabilities by label (without the time)."""
        return {label: getattr(self, label) for label in LABELS}

    @property
    def top(self) -> str:
        """The most likely label."""
        scores = self.as_dict()
        return max(scores, key=lambda label: scores[label])


def default_weights() -> Path:
    """Path of the shipped weight file."""
    return Path(str(resources.files("hegui").joinpath("companion/weights/risk.npz")))


class RiskScorer:
    """Scores a message in Chinese or English; thread-safe, blocking (e5 runs on the CPU).

    Loading reads the small weight file and the intent rules (``intent``: default the shipped
    ``intent.yaml``); the e5 model loads on the first message scored. A missing or foreign
    weight file, or a rule file that fails its checks, raises :class:`HeguiError` naming it.
    """

    def __init__(self, weights: Path | None = None, intent: Path | None = None) -> None:
        self.intent = IntentRules(intent)
        path = weights or default_weights()
        self.path = path
        meta, cols, w_used, b = _read(path)
        self.meta: dict[str, Any] = meta
        self._ngram = NgramFeatures.from_meta(meta["features"].get("ngram", {}), str(path))
        if meta["features"] != features_meta(self._ngram):
            raise HeguiError(
                "risk weights were trained with other features; retrain them with "
                "training/companion/train.py",
                "风险模型权重的特征参数与当前版本不符，请用 training/companion/train.py 重新训练",
                str(path),
            )
        dim = int(meta["dim"])
        self._w = np.zeros((dim, len(LABELS)), dtype=np.float32)
        self._w[cols] = w_used
        self._b = b
        self._vectoriser = self._ngram.vectoriser()

    def score(self, text: str) -> RiskScores:
        """Probabilities of ``text`` per label."""
        started = time.perf_counter()
        window = text.strip()[:MAX_CHARS] or " "
        features = stacked_features(self._ngram, [window], embed([window]), self._vectoriser)
        z = np.asarray(features @ self._w).reshape(-1) + self._b
        p = np.exp(z - z.max())
        p /= p.sum()
        rule = self.intent.match(text)
        elapsed = (time.perf_counter() - started) * 1000
        values = {label: round(float(v), 4) for label, v in zip(LABELS, p, strict=True)}
        return RiskScores(**values, intent_rule=rule, elapsed_ms=elapsed)


def save_weights(path: Path, meta: dict[str, Any], w: FloatArray, b: FloatArray) -> None:
    """Write a weight file: ``w`` is ``(dim, len(LABELS))``, ``b`` is ``(len(LABELS),)``."""
    used = np.flatnonzero(np.any(w != 0, axis=1)).astype(np.int32)
    path.parent.mkdir(parents=True, exist_ok=True)
    full = dict(meta, format=FORMAT, dim=int(w.shape[0]))
    np.savez_compressed(
        path,
        meta=np.array(json.dumps(full, ensure_ascii=False, sort_keys=True)),
        labels=np.array(LABELS, dtype=np.str_),
        cols=used,
        w=w[used].astype(np.float16),
        b=b.astype(np.float32),
    )


def _read(path: Path) -> tuple[dict[str, Any], Any, FloatArray, FloatArray]:
    where = str(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            labels = tuple(str(label) for label in data["labels"])
            cols = data["cols"].astype(np.int64)
            w = data["w"].astype(np.float32)
            b = data["b"].astype(np.float32)
    except FileNotFoundError:
        raise HeguiError("risk weight file not found", "找不到风险模型权重文件", where) from None
    except (OSError, ValueError, KeyError) as exc:
        raise HeguiError(
            f"not a companion risk weight file ({type(exc).__name__})",
            f"不是陪伴风险模型权重文件（{type(exc).__name__}）",
            where,
        ) from None
    if meta.get("format") != FORMAT or labels != LABELS:
        raise HeguiError(
            f"risk weight file has format {meta.get('format')!r} and labels {list(labels)}; "
            f"this hegui reads {FORMAT!r} with {list(LABELS)}",
            f"风险模型权重文件格式为 {meta.get('format')!r}，本版本需要 {FORMAT!r}",
            where,
        )
    if cols.size and (cols.min() < 0 or cols.max() >= int(meta["dim"])):
        raise HeguiError("risk weight columns out of range", "权重列号超出范围", where)
    return meta, cols, w, b
