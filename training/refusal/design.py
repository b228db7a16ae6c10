"""Feature matrices for training the refusal judge: answers, their sentences, and the link.

The answer matrix leaves the ``SCORED_FEATURES`` columns (the sentence summary and the ask
features read from sentence scores) empty: they depend on which sentence model scored the
sentences, and training fills them in per fit (:func:`with_scored`). The
e5 embeddings of the answers' first and last characters are kept beside it (cached in
``.cache/embeddings``, as the detectors' are) and stacked on by the fits; so is the embedding
of each answer's most refusing sentence, which also depends on the sentence model
(:func:`refusing_sentence_embeddings`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt
from readers import Pair
from scipy import sparse

from hegui.detect.classifier._embedding import DIM, embed_cached
from hegui.detect.refusal._asks import AskLink
from hegui.detect.refusal._cues import CueSet
from hegui.detect.refusal._features import (
    SCORED_FEATURES,
    FeatureLayout,
    featurize,
    named_features,
    read_pair,
    scored_features,
)
from hegui.detect.refusal._harm import AskHarm, default_ask_harm
from hegui.detect.refusal._judge import EMBED_CHARS, most_refusing
from hegui.detect.refusal._sentences import sentence_features

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Design:
    """Everything the fits need, row-aligned with ``pairs``."""

    pairs: list[Pair]
    layout: FeatureLayout
    answers: sparse.csr_matrix  # (pairs, layout.size), SCORED_FEATURES columns empty
    sentences: sparse.csr_matrix  # (sentences, groups + 2**sentence_bits)
    owner: IntArray  # (sentences,): the pair each sentence belongs to
    sentence_bits: int
    embeddings: npt.NDArray[np.float32]  # (pairs, 768): e5 of each answer's first, last chars
    sentence_texts: list[str]  # (sentences,): the text of each sentence row
    links: list[AskLink]  # (pairs,): what the scored ask features read of each pair
    cache: Path  # the embedding cache folder
    emptied: tuple[int, ...] = ()  # answer columns an ablation empties, scored ones too

    @property
    def writers(self) -> npt.NDArray[np.str_]:
        return np.array([p.writer for p in self.pairs])


def _sparse(rows: Sequence[dict[int, float]], width: int) -> sparse.csr_matrix:
    r, c, v = [], [], []
    for i, feats in enumerate(rows):
        for j, value in feats.items():
            r.append(i)
            c.append(j)
            v.append(value)
    return sparse.csr_matrix((v, (r, c)), shape=(len(rows), width))


def answer_windows(responses: Sequence[str]) -> tuple[list[str], list[str]]:
    """Each answer's first and last ``EMBED_CHARS`` characters: the windows the judge embeds."""
    return [r[:EMBED_CHARS] for r in responses], [r[-EMBED_CHARS:] for r in responses]


def build(
    pairs: list[Pair],
    cues: CueSet,
    hash_bits: int,
    sentence_bits: int,
    cache: Path,
    harms: Sequence[AskHarm] | None = None,
    embed: bool = True,
) -> Design:
    """Featurise every pair and every own-voice sentence of every answer, and embed every
    answer (``cache``: the embedding cache folder; ``harms``: per pair, the ask-harm model that
    scores its left-out asks, by default the shipped one for all; ``embed=False`` leaves the
    answer embeddings zero, for work that reads only the sentences, which never read them)."""
    layout = FeatureLayout(named_features(cues), hash_bits)
    per_pair = harms if harms is not None else [default_ask_harm()] * len(pairs)
    reads = [read_pair(p.prompt, p.response) for p in pairs]
    answers = _sparse(
        [featurize(r, cues, layout, h) for r, h in zip(reads, per_pair, strict=True)],
        layout.size,
    )
    rows: list[dict[int, float]] = []
    owner: list[int] = []
    texts: list[str] = []
    for i, read in enumerate(reads):
        for sentence in read.sentences:
            rows.append(sentence_features(sentence, cues, sentence_bits))
            owner.append(i)
            texts.append(sentence)
    width = len(cues.names) + (1 << sentence_bits)
    if embed:
        firsts, lasts = answer_windows([p.response for p in pairs])
        embeddings = np.hstack([embed_cached(firsts, cache), embed_cached(lasts, cache)])
    else:
        embeddings = np.zeros((len(pairs), 2 * DIM), dtype=np.float32)
    return Design(
        pairs,
        layout,
        answers,
        _sparse(rows, width),
        np.array(owner, dtype=np.int64),
        sentence_bits,
        embeddings,
        texts,
        [r.link for r in reads],
        cache,
    )


def refusing_sentences(design: Design, sentence_probs: npt.NDArray[np.float64]) -> list[str]:
    """Per pair: its answer's most refusing sentence under ``sentence_probs``, cut to the
    characters the judge embeds (what it embeds at run time, see ``answer_embedding``)."""
    bounds = np.searchsorted(design.owner, np.arange(len(design.pairs) + 1))
    return [
        most_refusing(design.sentence_texts[a:b], list(sentence_probs[a:b]))[:EMBED_CHARS]
        for a, b in pairwise(bounds)
    ]


def refusing_sentence_embeddings(
    design: Design, sentence_probs: npt.NDArray[np.float64]
) -> npt.NDArray[np.float32]:
    """(pairs, 384): the e5 embedding of each of :func:`refusing_sentences`."""
    return embed_cached(refusing_sentences(design, sentence_probs), design.cache)


def with_scored(design: Design, sentence_probs: npt.NDArray[np.float64]) -> sparse.csr_matrix:
    """The answer matrix with the ``SCORED_FEATURES`` columns filled from ``sentence_probs``
    (except those in ``design.emptied``)."""
    offset = design.layout.names.index(SCORED_FEATURES[0])
    bounds = np.searchsorted(design.owner, np.arange(len(design.pairs) + 1))
    scored = np.array(
        [
            scored_features(list(sentence_probs[a:b]), link)
            for (a, b), link in zip(pairwise(bounds), design.links, strict=True)
        ]
    )
    for column in design.emptied:
        if offset <= column < offset + len(SCORED_FEATURES):
            scored[:, column - offset] = 0.0
    block = sparse.csr_matrix(
        (
            scored.ravel(),
            np.tile(np.arange(len(SCORED_FEATURES)) + offset, len(scored)),
            np.arange(0, scored.size + 1, len(SCORED_FEATURES)),
        ),
        shape=design.answers.shape,
    )
    return (design.answers + block).tocsr()
