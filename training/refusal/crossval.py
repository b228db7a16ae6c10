"""Fitting the refusal judge, and leave-one-writer-out cross-validation.

Two stacked models: the sentence model, a logistic regression (sentences of full refusals and
the declining sentence of each partial refusal against sentences that refuse nothing), and
the answer model (a logistic regression averaged with a one-hidden-layer network and
gradient-boosted trees over the named features and the embeddings), whose
features read from sentence scores (``SCORED_FEATURES``) come from a sentence model that
never saw that answer's writer.
Holding out one writer at a time (train on every other writer's pairs, test on that
writer's) mimics a new writer, which is what the judge meets in use.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import sklearn
from design import Design, refusing_sentence_embeddings, refusing_sentences, with_scored
from scipy import sparse
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from hegui.detect.classifier._embedding import DIM, embed_cached
from hegui.detect.refusal._judge import CLASSES
from hegui.detect.refusal._text import LANGUAGES, pair_language

SENTENCE_C = 16.0
REPICK_ROUNDS = 2
REPICK_FOLDS = 3
"""How :func:`fit_sentences` re-picks partials' declining sentences: rounds, and folds of
partials per round."""
SENTENCE_RECIPE = (
    "partials: most refusing sentence under a fit without partials, re-picked by fits on the"
    " other partials' picks (folds by answer index), refit; fits after the first start from"
    " its weights"
)
"""How :func:`fit_sentences` labels and weighs its rows, in words. It is part of the sentence
scores' cache key (the key cannot see the code), so change it with any change to that recipe
and the cached scores of the old one are not reused (``REPICK_ROUNDS`` and ``REPICK_FOLDS``
are in the key themselves)."""
EMBED_SCALE = 3.0
"""The e5 columns of the first and last characters are the embedding times this (L2 penalty
shared with the other features)."""
SENTENCE_EMBED_SCALE = 2.0
"""The same for the most refusing sentence's embedding."""
SCALES = (EMBED_SCALE, SENTENCE_EMBED_SCALE)
HIDDEN_UNITS = 128
"""ReLU units of the network averaged with the logistic answer model (0: logistic only).
Measured by six-group cross-validation on 2026-12-03 (30 hand-written writers pooled, C = 8,
n = 6,119 / 7,059): logistic alone 0.925 / 0.935 (en / zh), every variant of the logistic
recipe at most 0.933 pooled; averaged with a 64-unit network 0.931 / 0.938, with 128 units
0.933 / 0.939 (the networks alone 0.930-0.933)."""
NETWORK_ALPHA = 1e-3
"""The network's L2 penalty (early stopping, see ``STOPPING_FRACTION``, does the rest)."""
STOPPING_FRACTION = 0.1
"""The share of the rows the network holds out to decide when to stop."""
MIN_STOPPING_ROWS = 10
"""The fewest rows that held-out share may hold; below it (a toy set) the network runs its
full course."""
TREES = True
"""Whether the answer model averages in gradient-boosted trees (``TREE_*`` below) over the
named features and the e5 columns (not the hashed n-grams: 16,384 sparse columns, each rare,
that trees split on badly and slowly). Six-group cross-validation, 2026-12-07 (hand-written
pooled, n = 10,124 / 11,418, same folds and sentence scores): 0.935 / 0.946 without, 0.939 /
0.950 with; the trees alone 0.929 / 0.946."""
TREE_ITERATIONS = 400
TREE_LEARNING_RATE = 0.08
TREE_LEAVES = 31
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
T = TypeVar("T")
R = TypeVar("R")

_TASK: Callable[[Any], Any] | None = None
"""The function :func:`parallel_map`'s forked workers run (inherited, never pickled)."""


def _run_task(item: Any) -> Any:
    """Run the inherited task in a forked worker with OpenMP held to one thread: GNU OpenMP
    does not survive a fork once the parent has run a parallel region (the trees' fit, an e5
    pass), and a child that starts a team of threads waits forever on the parent's."""
    assert _TASK is not None
    with threadpool_limits(limits=1, user_api="openmp"):
        return _TASK(item)


def parallel_map(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``[fn(i) for i in items]``, in ``workers`` forked processes when more than one.

    The workers inherit ``fn`` and everything it reads (the design, the cached sentence
    scores) from the parent by fork, so only the items and the results cross processes; the
    results are the same as the serial run's, in the same order.
    """
    global _TASK
    if workers <= 1 or len(items) <= 1:
        return [fn(i) for i in items]
    _TASK = fn
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(items))) as pool:
            results: list[R] = pool.map(_run_task, items, chunksize=1)
            return results
    finally:
        _TASK = None


def embedding_column_scales(scales: tuple[float, float] = SCALES) -> FloatArray:
    """The factor of each e5 column :func:`answer_matrix` stacks (first and last characters,
    then the most refusing sentence; ``EMBED_PARTS`` order), to undo it in shipped weights."""
    first_last, sentence = scales
    return np.repeat([first_last, first_last, sentence], DIM).astype(np.float64)


def answer_matrix(
    design: Design, sentence_probs: FloatArray, scales: tuple[float, float] = SCALES
) -> sparse.csr_matrix:
    """The answer features with the ``SCORED_FEATURES`` filled in and the e5 columns stacked on
    (first and last characters, then the most refusing sentence under ``sentence_probs``),
    each times its scale in ``scales`` (0 leaves a part out)."""
    blocks = [with_scored(design, sentence_probs)]
    if scales[0]:
        blocks.append(sparse.csr_matrix(design.embeddings.astype(np.float64) * scales[0]))
    if scales[1]:
        refusing = refusing_sentence_embeddings(design, sentence_probs).astype(np.float64)
        blocks.append(sparse.csr_matrix(refusing * scales[1]))
    return sparse.hstack(blocks, format="csr")


def embed_refusing_sentences(
    design: Design, sentence_probs: Iterable[FloatArray], workers: int
) -> None:
    """Put the embedding of every answer's most refusing sentence under each of
    ``sentence_probs`` in the embedding cache, ``workers`` processes splitting the texts.

    The folds then find them there: left to the folds, two folds running side by side embed
    largely the same sentences (most answers' most refusing sentence does not change with the
    writer left out), one process per fold, and a cold rebuild spent most of its fold time so.
    """
    texts = sorted({t for probs in sentence_probs for t in refusing_sentences(design, probs)})
    if workers <= 1:
        embed_cached(texts, design.cache)
        return
    # spawned, not forked: the e5 engine's OpenMP pool does not survive a fork once the
    # parent has used it (the children wait forever on its lock)
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_embed_share, [(texts[k::workers], design.cache) for k in range(workers)])


def _embed_share(share: tuple[list[str], Path]) -> int:
    """Embed ``share``'s texts into its cache folder (a spawned worker's task)."""
    texts, cache = share
    return len(embed_cached(texts, cache))


def fit_sentences(design: Design, rows: npt.NDArray[np.bool_]) -> LogisticRegression:
    """Sentence model from the answers in ``rows``: full refusals 1, no refusal 0, and of each
    partial refusal its declining sentence 1, its other sentences 0.

    Each answer weighs 1 in total, however many sentences it has (a partial's decline 1, its
    other sentences 1 between them). Which sentence of a partial declines is not labelled: a
    first model fitted without partials picks each partial's most refusing sentence; then, for
    ``REPICK_ROUNDS`` rounds, models fitted with the other partials' picks (the partials dealt
    into ``REPICK_FOLDS`` folds, so none re-picks its own answer) pick again; the model is
    fitted on the last picks. The first model reads declines in full refusals' words and so
    missed announcements only partials make ("I've left out the dosing", "合成步骤略"),
    picking a story line or a safety aside instead; the re-picks learn those from the partials
    the first model got right. A change to this recipe changes ``SENTENCE_RECIPE`` too.
    """
    kinds = np.array([p.kind for p in design.pairs])[design.owner]
    use = rows[design.owner] & (kinds != "partial")
    counts = np.bincount(design.owner, minlength=len(design.pairs))[design.owner]
    x, y = design.sentences[use], (kinds[use] == "full").astype(int)
    weight = 1.0 / counts[use]
    model = _fit_sentence_rows(x, y, weight)
    partial = np.flatnonzero(rows[design.owner] & (kinds == "partial"))
    if partial.size == 0:
        return model
    owners = design.owner[partial]
    rest = np.maximum(counts[partial] - 1, 1)

    def fit_with(
        declines: npt.NDArray[np.int64], keep: npt.NDArray[np.bool_]
    ) -> LogisticRegression:
        """The non-partials and the partials in ``keep``, labelled by ``declines``."""
        return _fit_sentence_rows(
            sparse.vstack([x, design.sentences[partial[keep]]]),
            np.concatenate([y, declines[keep]]),
            np.concatenate([weight, np.where(declines == 1, 1.0, 1.0 / rest)[keep]]),
            start=model,
        )

    fold = owners % REPICK_FOLDS
    probs = model.predict_proba(design.sentences[partial])[:, 1]
    for _ in range(REPICK_ROUNDS):
        declines = _most_refusing_flags(probs, owners)
        for k in np.unique(fold):
            held = fold == k
            repick = fit_with(declines, ~held)
            probs[held] = repick.predict_proba(design.sentences[partial[held]])[:, 1]
    return fit_with(_most_refusing_flags(probs, owners), np.ones(partial.size, dtype=bool))


def _fit_sentence_rows(
    x: sparse.csr_matrix,
    y: npt.NDArray[np.int64],
    weight: FloatArray,
    start: LogisticRegression | None = None,
) -> LogisticRegression:
    """A sentence model; with ``start``, its solver starts from ``start``'s weights: the same
    optimum up to the solver's tolerance, in fewer iterations (a fit on every pair 39 s
    instead of 64 s, 2026-12-05)."""
    model = LogisticRegression(C=SENTENCE_C, max_iter=3000, warm_start=start is not None)
    if start is not None:
        model.coef_, model.intercept_ = start.coef_.copy(), start.intercept_.copy()
    return model.fit(x, y, sample_weight=weight)


def _most_refusing_flags(probs: FloatArray, owners: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """1 for the highest of ``probs`` among each owner's sentences, 0 for the others."""
    order = np.lexsort((-probs, owners))  # by answer, most refusing sentence first
    ordered = owners[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    flags = np.zeros(probs.size, dtype=np.int64)
    flags[order[first]] = 1
    return flags


class SentenceScores:
    """Sentence scores from sentence models that each leave out a set of writers, kept in
    memory and, with ``cache``, on disk.

    The disk cache is keyed by everything a sentence model depends on (the sentence matrix,
    which answer and writer each sentence belongs to, the labels, ``SENTENCE_C``, the
    re-pick settings, ``SENTENCE_RECIPE`` and the scikit-learn version), so a retraining that
    changes only the answer features reuses the hundreds of pairwise fits (about half a cold
    rebuild) and gets the same numbers.
    """

    def __init__(self, design: Design, cache: Path | None = None) -> None:
        self.design = design
        self.writers = design.writers
        self._done: dict[frozenset[str], FloatArray] = {}
        self._folder = cache / sentence_key(design) if cache is not None else None

    def without(self, left_out: frozenset[str]) -> FloatArray:
        """Scores for the sentences of ``left_out``'s pairs from a model trained without them."""
        if not self._known(left_out):
            self._done[left_out] = self._fit_without(left_out)
        return self._done[left_out]

    def prefetch(self, left_outs: Iterable[frozenset[str]], workers: int) -> None:
        """Fit the sentence models for every set in ``left_outs`` neither fitted yet nor on
        disk, ``workers`` at a time."""
        todo = [s for s in dict.fromkeys(left_outs) if not self._known(s)]
        fitted = parallel_map(self._fit_without, todo, workers)
        self._done.update(zip(todo, fitted, strict=True))

    def _known(self, left_out: frozenset[str]) -> bool:
        """Whether ``left_out``'s scores are in memory, after loading them from disk if there."""
        if left_out not in self._done:
            stored = self._load(left_out)
            if stored is None:
                return False
            self._done[left_out] = stored
        return True

    def _held(self, left_out: frozenset[str]) -> npt.NDArray[np.bool_]:
        """Sentence mask: the sentences of ``left_out``'s pairs."""
        held: npt.NDArray[np.bool_] = np.isin(self.writers, list(left_out))[self.design.owner]
        return held

    def _fit_without(self, left_out: frozenset[str]) -> FloatArray:
        model = fit_sentences(self.design, ~np.isin(self.writers, list(left_out)))
        scores = np.zeros(len(self.design.owner))
        mask = self._held(left_out)
        scores[mask] = model.predict_proba(self.design.sentences[mask])[:, 1]
        self._store(left_out, scores[mask])
        return scores

    def _path(self, left_out: frozenset[str]) -> Path | None:
        if self._folder is None:
            return None
        name = hashlib.sha256("\n".join(sorted(left_out)).encode()).hexdigest()[:24]
        return self._folder / f"{name}.npy"

    def _load(self, left_out: frozenset[str]) -> FloatArray | None:
        path = self._path(left_out)
        if path is None or not path.exists():
            return None
        mask = self._held(left_out)
        stored = np.load(path, allow_pickle=False)
        if stored.shape != (int(mask.sum()),):
            return None
        scores = np.zeros(len(self.design.owner))
        scores[mask] = stored
        return scores

    def _store(self, left_out: frozenset[str], held_scores: FloatArray) -> None:
        path = self._path(left_out)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{multiprocessing.current_process().pid}.tmp.npy")
        np.save(partial, held_scores, allow_pickle=False)
        partial.replace(path)

    def out_of_fold(self, folds: Iterable[frozenset[str]], also_out: frozenset[str]) -> FloatArray:
        """Scores where each fold's sentences come from a model without that fold's writers
        and ``also_out``."""
        scores = np.zeros(len(self.design.owner))
        for fold in folds:
            part = self.without(also_out | fold)
            mask = np.isin(self.writers, list(fold))[self.design.owner]
            scores[mask] = part[mask]
        return scores


def sentence_key(design: Design) -> str:
    """A digest of everything :func:`fit_sentences` reads from ``design``."""
    digest = hashlib.sha256()
    matrix = design.sentences.tocsr()
    for array in (matrix.data, matrix.indices, matrix.indptr, design.owner):
        digest.update(np.ascontiguousarray(array).tobytes())
    for text in [p.kind for p in design.pairs] + list(design.writers):
        digest.update(text.encode() + b"\0")
    recipe = f"{SENTENCE_C}|{REPICK_ROUNDS}|{REPICK_FOLDS}|{SENTENCE_RECIPE}"
    digest.update(f"{matrix.shape}|{recipe}|{sklearn.__version__}".encode())
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class AnswerModels:
    """The answer model: a logistic regression, and with ``network`` a one-hidden-layer
    network fitted on the same matrix, with ``trees`` gradient-boosted trees fitted on its
    ``tree_columns``, with ``per_language`` a logistic regression per language (``LANGUAGES``
    order) each scoring the rows of its language, all averaged."""

    logistic: LogisticRegression
    network: MLPClassifier | None
    trees: HistGradientBoostingClassifier | None = None
    tree_columns: IntArray | None = None
    per_language: tuple[LogisticRegression, ...] | None = None

    def members(self, x: sparse.csr_matrix, languages: IntArray) -> dict[str, FloatArray]:
        """Each model's class probabilities (rows x 3, ``CLASSES`` order) by name
        (``MEMBERS``); ``languages``: each row's index in ``LANGUAGES``."""
        parts = {"logistic": _class_probabilities(self.logistic, x)}
        if self.network is not None:
            parts["network"] = _class_probabilities(self.network, x)
        if self.trees is not None:
            parts["trees"] = _class_probabilities(self.trees, x[:, self.tree_columns].toarray())
        if self.per_language is not None:
            own = np.zeros((x.shape[0], len(CLASSES)))
            for index, model in enumerate(self.per_language):
                rows = languages == index
                if rows.any():
                    own[rows] = _class_probabilities(model, x[rows])
            parts["per_language"] = own
        return parts

    def probabilities(self, x: sparse.csr_matrix, languages: IntArray) -> FloatArray:
        """Class probabilities (rows x 3, ``CLASSES`` order): the mean of the models'."""
        mean: FloatArray = np.mean(list(self.members(x, languages).values()), axis=0)
        return mean


MEMBERS = ("logistic", "network", "trees", "per_language")
"""The answer model's parts, as :meth:`AnswerModels.members` names them."""
JOINT_MEMBERS = MEMBERS[:3]
"""The parts that read both languages' pairs alike (the recipe without ``per_language``)."""


def pair_languages(design: Design) -> IntArray:
    """Each pair's index in ``LANGUAGES``, read from its text as the judge reads it."""
    return np.array([pair_language(p.prompt, p.response) for p in design.pairs], dtype=np.int64)


def _class_probabilities(
    model: LogisticRegression | MLPClassifier | HistGradientBoostingClassifier, x: object
) -> FloatArray:
    full = np.zeros((x.shape[0], len(CLASSES)))  # type: ignore[attr-defined]
    full[:, model.classes_] = model.predict_proba(x)
    return full


def tree_columns(design: Design, width: int) -> IntArray | None:
    """The columns of an answer matrix ``width`` wide that the trees read: the named features,
    then the e5 columns stacked after the hashed n-grams (the trees' input row, in the judge);
    ``None`` when the answer model has no trees (``TREES``)."""
    if not TREES:
        return None
    named = np.arange(len(design.layout.names))
    return np.concatenate([named, np.arange(design.layout.size, width)]).astype(np.int64)


def fit_answers(
    x: sparse.csr_matrix,
    y: npt.NDArray[np.int64],
    c: float,
    hidden: int = HIDDEN_UNITS,
    columns: IntArray | None = None,
    languages: IntArray | None = None,
) -> AnswerModels:
    """The answer model on ``x``: a class-balanced logistic regression of strength ``c``,
    with ``hidden`` > 0 a network of that many ReLU units (see ``HIDDEN_UNITS``), which
    stops early on ``STOPPING_FRACTION`` of the rows unless they are too few to stop on (a
    toy set), with ``columns`` (:func:`tree_columns`) class-balanced gradient-boosted
    trees on those columns, stopping early the same way, and with ``languages`` (each row's
    index in ``LANGUAGES``) a logistic regression like the first per language, fitted on
    that language's rows (the joint one stands in for a language whose rows lack a class)."""
    logistic = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, y)
    per_language = None
    if languages is not None:
        per_language = tuple(
            _language_logistic(x, y, c, languages == index, logistic)
            for index in range(len(LANGUAGES))
        )
    stops = len(y) * STOPPING_FRACTION >= MIN_STOPPING_ROWS
    network = None
    if hidden:
        network = MLPClassifier(
            hidden_layer_sizes=(hidden,),
            alpha=NETWORK_ALPHA,
            early_stopping=stops,
            validation_fraction=STOPPING_FRACTION,
            random_state=0,
        ).fit(x, y)
    if columns is None:
        return AnswerModels(logistic, network, per_language=per_language)
    trees = HistGradientBoostingClassifier(
        max_iter=TREE_ITERATIONS,
        learning_rate=TREE_LEARNING_RATE,
        max_leaf_nodes=TREE_LEAVES,
        class_weight="balanced",
        early_stopping=stops,
        validation_fraction=STOPPING_FRACTION,
        random_state=0,
    ).fit(x[:, columns].toarray(), y)
    return AnswerModels(logistic, network, trees, columns, per_language)


def _language_logistic(
    x: sparse.csr_matrix,
    y: npt.NDArray[np.int64],
    c: float,
    rows: npt.NDArray[np.bool_],
    joint: LogisticRegression,
) -> LogisticRegression:
    """The logistic regression of one language's ``rows``, or ``joint`` when they do not hold
    every class (a toy set)."""
    if len(np.unique(y[rows])) < len(CLASSES):
        return joint
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x[rows], y[rows])


def labels(design: Design) -> npt.NDArray[np.int64]:
    return np.array([CLASSES.index(p.kind) for p in design.pairs], dtype=np.int64)


def writer_folds(writers: Iterable[str], groups: int | None = None) -> list[frozenset[str]]:
    """One fold per writer, or with ``groups`` that many folds, the sorted writers dealt out
    in turn (the same folds on every run).

    Leave-one-writer-out is what the shipped figures use; a handful of writer groups costs a
    small fraction of it (a sentence model per fold and per pair of folds: 21 for six groups
    against 595 for 34 writers) and trains each fold on fewer writers, so its accuracy runs a
    little lower, but two variants compared on the same groups are compared fairly.
    """
    ordered = sorted(set(writers))
    if groups is None:
        return [frozenset({w}) for w in ordered]
    if not 3 <= groups <= len(ordered):
        # two folds would leave the inner sentence models (without both folds) no data
        raise ValueError(f"groups must be between 3 and the number of writers ({len(ordered)})")
    return [frozenset(ordered[k::groups]) for k in range(groups)]


def leave_one_writer_out(
    design: Design,
    scores: SentenceScores,
    c_grid: Iterable[float],
    scales: tuple[float, float] = SCALES,
    workers: int = 1,
    folds: Sequence[frozenset[str]] | None = None,
    hidden: int = HIDDEN_UNITS,
    per_language: bool = False,
) -> dict[float, FloatArray]:
    """Per C: class probabilities (pairs x 3, ``CLASSES`` order) of the answer model, with a
    logistic part per language or without (``per_language``), each from a fit without the
    pair's writer or fold (see :func:`cross_validated_members`)."""
    members = cross_validated_members(
        design, scores, c_grid, scales, workers, folds, hidden, per_language
    )
    return {c: mean_of(parts, MEMBERS) for c, parts in members.items()}


def mean_of(members: dict[str, FloatArray], names: Iterable[str]) -> FloatArray:
    """The mean of the ``members`` named in ``names`` (those it holds)."""
    mean: FloatArray = np.mean([members[n] for n in names if n in members], axis=0)
    return mean


def cross_validated_members(
    design: Design,
    scores: SentenceScores,
    c_grid: Iterable[float],
    scales: tuple[float, float] = SCALES,
    workers: int = 1,
    folds: Sequence[frozenset[str]] | None = None,
    hidden: int = HIDDEN_UNITS,
    per_language: bool = False,
) -> dict[float, dict[str, FloatArray]]:
    """Per C and per part of the answer model (:meth:`AnswerModels.members`): class
    probabilities (pairs x 3, ``CLASSES`` order), each from a fit without the pair's writer,
    or without its whole fold when ``folds`` (see :func:`writer_folds`) are given
    (``scales``: see :func:`answer_matrix`; ``hidden`` and ``per_language``: see
    :func:`fit_answers`; ``workers``: processes, the same result for any number). Any mean
    of the parts is then a recipe measured on the same folds at no further cost.

    Each fold needs, for every other fold, a sentence model without both: those are fitted
    first (each pair of folds once, shared by both), then the folds."""
    y = labels(design)
    languages = pair_languages(design)
    parts = list(folds) if folds is not None else writer_folds(scores.writers)
    grid = list(c_grid)
    sentence_scores = sentence_scores_per_fold(design, scores, parts, scales, workers)

    def fold(k: int) -> list[dict[str, FloatArray]]:
        test = np.isin(scores.writers, list(parts[k]))
        x = answer_matrix(design, sentence_scores[k], scales)
        columns = tree_columns(design, x.shape[1])
        train_languages = languages[~test] if per_language else None
        return [
            fit_answers(x[~test], y[~test], c, hidden, columns, train_languages).members(
                x[test], languages[test]
            )
            for c in grid
        ]

    out: dict[float, dict[str, FloatArray]] = {c: {} for c in grid}
    results = parallel_map(fold, list(range(len(parts))), workers)
    for part, per_c in zip(parts, results, strict=True):
        test = np.isin(scores.writers, list(part))
        for c, block in zip(grid, per_c, strict=True):
            for name, probs in block.items():
                out[c].setdefault(name, np.zeros((len(design.pairs), len(CLASSES))))[test] = probs
    return out


def sentence_scores_per_fold(
    design: Design,
    scores: SentenceScores,
    folds: list[frozenset[str]],
    scales: tuple[float, float] = SCALES,
    workers: int = 1,
) -> list[FloatArray]:
    """Per fold: the sentence scores it sees (:func:`_fold_sentence_scores`). Every sentence
    model they need is fitted first (each pair of folds once, shared by both), and when
    ``scales`` stacks the most refusing sentence's embedding, those sentences are embedded up
    front (see :func:`embed_refusing_sentences`)."""
    scores.prefetch(fold_left_outs(folds), workers)
    per_fold = [_fold_sentence_scores(scores, folds, fold) for fold in folds]
    if scales[1]:
        embed_refusing_sentences(design, per_fold, workers)
    return per_fold


def fold_left_outs(folds: Sequence[frozenset[str]]) -> list[frozenset[str]]:
    """The writer sets a cross-validation over ``folds`` fits a sentence model without: each
    fold, and each pair of folds (a fold's training pairs are scored by a model without both)."""
    return [*folds, *(a | b for i, a in enumerate(folds) for b in folds[i + 1 :])]


def final_left_outs(writers: Sequence[str]) -> list[frozenset[str]]:
    """The writer sets the final fit (:func:`fit_final`) fits a sentence model without: each
    writer on its own, for the cross-fitted sentence scores its answer model trains on."""
    return writer_folds(writers)


def _fold_sentence_scores(
    scores: SentenceScores, folds: list[frozenset[str]], fold: frozenset[str]
) -> FloatArray:
    """The sentence scores ``fold`` sees: its own sentences from a model without it, every
    other fold's from a model without both."""
    test = np.isin(scores.writers, list(fold))[scores.design.owner]
    others = [f for f in folds if f != fold]
    return scores.out_of_fold(others, fold) + scores.without(fold) * test


def fit_final(
    design: Design,
    scores: SentenceScores,
    c: float,
    workers: int = 1,
    per_language: bool = False,
) -> tuple[AnswerModels, LogisticRegression]:
    """Sentence model on every pair, and the answer model on sentence scores cross-fitted by
    writer (``workers``: processes for embedding their most refusing sentences;
    ``per_language``: with a logistic part per language, see :func:`fit_answers`)."""
    cross_fitted = scores.out_of_fold(final_left_outs(scores.writers), frozenset())
    embed_refusing_sentences(design, [cross_fitted], workers)
    x = answer_matrix(design, cross_fitted)
    columns = tree_columns(design, x.shape[1])
    languages = pair_languages(design) if per_language else None
    answers = fit_answers(x, labels(design), c, columns=columns, languages=languages)
    sentence = fit_sentences(design, np.ones(len(design.pairs), dtype=bool))
    return answers, sentence
