"""The sentence model: how much each sentence of an answer reads like part of a refusal.

It is a logistic regression over one sentence (cue groups present, hashed character
n-grams of its first ``SENTENCE_CHARS`` characters), trained on the sentences of full
refusals against those of answers that refuse nothing. Its scores are summarised
(:func:`summarize`) into features of the answer model, so a single declining sentence
anywhere in a long helpful answer ("The card-marking part you'll have to do without.")
counts, whatever its position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hegui.detect.refusal._cues import CueSet
from hegui.detect.refusal._text import hash_ngrams

SENTENCE_CHARS = 200
SENTENCE_SUMMARY = (
    "sentence_max",
    "sentence_mean",
    "sentence_first",
    "sentence_last",
    "sentence_max_after_first",
    "sentence_share_refusing",
    "sentence_content_log",
    "sentence_refusing_and_content",
    "sentence_refusing_not_first",
)


def sentence_features(sentence: str, cues: CueSet, bits: int) -> dict[int, float]:
    """Sparse features of one own-voice sentence: cue groups first, then hashed n-grams."""
    text = sentence[:SENTENCE_CHARS]
    hits = cues.hits(text)
    feats = {k: 1.0 for k, name in enumerate(cues.names) if hits[name]}
    hash_ngrams(text, "s", len(cues.names), bits, feats)
    return feats


def summarize(probs: Sequence[float]) -> tuple[float, ...]:
    """The ``SENTENCE_SUMMARY`` features of an answer's sentence scores, in that order."""
    if not probs:
        return (0.0,) * len(SENTENCE_SUMMARY)
    p = np.asarray(probs, dtype=np.float64)
    top = float(p.max())
    content = int((p < 0.3).sum())
    return (
        top,
        float(p.mean()),
        float(p[0]),
        float(p[-1]),
        float(p[1:].max()) if len(p) > 1 else 0.0,
        float((p > 0.5).mean()),
        float(np.log1p(content)),
        float(top > 0.5 and content >= 2),
        float(top > 0.5 and int(p.argmax()) > 0),
    )


@dataclass(frozen=True, slots=True)
class SentenceModel:
    """Binary logistic model over :func:`sentence_features`."""

    weights: npt.NDArray[np.float64]  # (len(cues.names) + 2**bits,)
    bias: float
    bits: int

    def probabilities(self, sentences: Sequence[str], cues: CueSet) -> list[float]:
        """P(refusal sentence) for each sentence, in order."""
        out = []
        for sentence in sentences:
            feats = sentence_features(sentence, cues, self.bits)
            idx = np.fromiter(feats.keys(), dtype=np.int64, count=len(feats))
            val = np.fromiter(feats.values(), dtype=np.float64, count=len(feats))
            logit = self.bias + float(val @ self.weights[idx])
            out.append(1.0 / (1.0 + float(np.exp(-logit))))
        return out
