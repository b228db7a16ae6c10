"""Would a second model for the judge's uncertain pairs decide them better than the judge?

    OMP_NUM_THREADS=1 .venv/bin/python training/refusal/band_model.py --groups 6 \\
        [--c C] [--band 0.1:0.9] [--workers N]

The judge is right on about 0.97 of the pairs it scores outside [0.1, 0.9) and on about 0.70
of those inside (``escalation_band.py``). This asks whether a model fitted on the band's
pairs alone does better there than the judge, which is fitted on every pair (most of them
easy). Leave one writer group out, as ``train_refusal.py --groups K``: each group's pairs get
the judge's probabilities and answer matrix from a fit without that group (cached in
``.cache/refusal_band``); then, for each group, the second-stage models below are fitted on
the band pairs of every other group and decide the band pairs of that group, against the
judge's calls at the shipped weights' threshold (and at their L2 strength unless ``--c``
says otherwise). The first-stage probabilities of the other
groups' pairs come from fits that saw the group being decided, so the figures lean a little
optimistic. Prints, per language, the pooled hand-written accuracy in the band and overall
for the judge and each second stage, and the pairs each second stage gets right where the
judge is wrong and the reverse.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from crossval import (
    HIDDEN_UNITS,
    NETWORK_ALPHA,
    SCALES,
    SentenceScores,
    answer_matrix,
    fit_answers,
    labels,
    pair_languages,
    parallel_map,
    sentence_key,
    sentence_scores_per_fold,
    tree_columns,
)
from design import Design
from readers import ROOT
from scipy import sparse
from scipy.special import logit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from train_refusal import (
    SENTENCE_CACHE,
    number_pair,
    pooled_hand_written,
    shipped_recipe_setup,
)

from hegui.detect.refusal._judge import CLASSES

BAND_CACHE = ROOT / ".cache" / "refusal_band"
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def out_of_fold(
    design: Design,
    scores: SentenceScores,
    folds: list[frozenset[str]],
    c: float,
    workers: int,
    per_language: bool = False,
) -> tuple[FloatArray, sparse.csr_matrix]:
    """Per pair: the judge's class probabilities and its answer matrix row, both from the fit
    without the pair's fold (what ``leave_one_writer_out`` computes, keeping the rows)."""
    y = labels(design)
    languages = pair_languages(design)
    fold_scores = sentence_scores_per_fold(design, scores, folds, workers=workers)

    def fold(k: int) -> tuple[FloatArray, sparse.csr_matrix]:
        test = np.isin(scores.writers, list(folds[k]))
        x = answer_matrix(design, fold_scores[k])
        columns = tree_columns(design, x.shape[1])
        train_languages = languages[~test] if per_language else None
        fitted = fit_answers(x[~test], y[~test], c, columns=columns, languages=train_languages)
        return fitted.probabilities(x[test], languages[test]), x[test]

    probs = np.zeros((len(design.pairs), len(CLASSES)))
    rows: list[sparse.csr_matrix] = []
    order: list[npt.NDArray[np.int64]] = []
    results = parallel_map(fold, list(range(len(folds))), workers)
    for part, (block, x_test) in zip(folds, results, strict=True):
        test = np.flatnonzero(np.isin(scores.writers, list(part)))
        probs[test] = block
        rows.append(x_test)
        order.append(test)
    stacked = sparse.vstack(rows, format="csr")
    matrix = stacked[np.argsort(np.concatenate(order))]
    return probs, matrix


def cached_out_of_fold(
    design: Design,
    scores: SentenceScores,
    folds: list[frozenset[str]],
    c: float,
    workers: int,
    per_language: bool = False,
) -> tuple[FloatArray, sparse.csr_matrix]:
    """:func:`out_of_fold`, kept on disk under a key of everything it depends on: the
    sentence models' inputs (see ``SentenceScores``), the answer matrix and embeddings, the
    folds and the answer model's recipe."""
    digest = hashlib.sha256(sentence_key(design).encode())
    answers = design.answers
    for array in (answers.data, answers.indices, answers.indptr, design.embeddings):
        digest.update(np.ascontiguousarray(array).tobytes())
    recipe = (sorted(map(sorted, folds)), c, SCALES, HIDDEN_UNITS, NETWORK_ALPHA, per_language)
    digest.update(repr(recipe).encode())
    path = BAND_CACHE / f"{digest.hexdigest()[:24]}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as stored:
            matrix = sparse.csr_matrix(
                (stored["data"], stored["indices"], stored["indptr"]), shape=stored["shape"]
            )
            return stored["probs"], matrix
    probs, matrix = out_of_fold(design, scores, folds, c, workers, per_language)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        probs=probs,
        data=matrix.data,
        indices=matrix.indices,
        indptr=matrix.indptr,
        shape=np.array(matrix.shape),
    )
    return probs, matrix


Decider = Callable[[sparse.csr_matrix], BoolArray]
Fitter = Callable[[sparse.csr_matrix, npt.NDArray[np.int64]], Decider]


def logistic(c: float) -> Fitter:
    def fit(x: sparse.csr_matrix, y: npt.NDArray[np.int64]) -> Decider:
        model = LogisticRegression(C=c, max_iter=5000).fit(x, y)
        return lambda z: np.asarray(model.predict(z) == 1)

    return fit


def boosted(columns: int) -> Fitter:
    """Gradient-boosted trees on the first ``columns`` columns (of the judge's view, the named
    features and the e5 columns, in that order): a check of what a non-linear rule finds, not
    a model the judge could ship as it stands."""

    def fit(x: sparse.csr_matrix, y: npt.NDArray[np.int64]) -> Decider:
        model = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=0)
        model.fit(x[:, :columns].toarray(), y)
        return lambda z: np.asarray(model.predict(z[:, :columns].toarray()) == 1)

    return fit


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--band", type=number_pair, default=(0.1, 0.9))
    args, shipped, design, folds = shipped_recipe_setup(parser, argv)
    scores = SentenceScores(design, SENTENCE_CACHE)
    probs, matrix = cached_out_of_fold(
        design, scores, folds, args.c, args.workers, args.per_language
    )
    score = 1.0 - probs[:, CLASSES.index("none")]
    truth = labels(design) != 0
    judge = score >= float(shipped["threshold"])
    low, high = args.band
    band = (score >= low) & (score < high)
    named = len(design.layout.names)
    # the judge's own view (its score and class log-odds), then its answer columns: the named
    # features, the hashed n-grams and the e5 parts, in that order
    own = sparse.csr_matrix(
        np.column_stack([logit(np.clip(score, 1e-6, 1 - 1e-6)), np.log(probs + 1e-6)])
    )
    x = sparse.hstack([own, matrix], format="csr")
    e5 = matrix.shape[1] - design.layout.size
    no_ngrams = sparse.hstack([own, matrix[:, :named], matrix[:, design.layout.size :]])
    variants: dict[str, tuple[Fitter, sparse.csr_matrix]] = {
        "logistic, the judge's own view only": (logistic(1.0), own),
        "logistic C=0.1": (logistic(0.1), x),
        "logistic C=1": (logistic(1.0), x),
        "logistic C=8": (logistic(8.0), x),
        "logistic C=1, no n-grams": (logistic(1.0), no_ngrams.tocsr()),
        "boosted trees, named + own": (boosted(own.shape[1] + named), no_ngrams.tocsr()),
        "boosted trees, named + own + e5": (
            boosted(own.shape[1] + named + e5),
            no_ngrams.tocsr(),
        ),
    }
    writers = design.writers
    calls = {name: judge.copy() for name in variants}
    for k, fold in enumerate(folds):
        test = np.isin(writers, list(fold)) & band
        train = ~np.isin(writers, list(fold)) & band
        for name, (fitter, features) in variants.items():
            decide = fitter(features[train], truth[train].astype(np.int64))
            calls[name][test] = decide(features[test])
        print(f"group {k + 1}/{len(folds)} done", flush=True)
    for lang in ("en", "zh"):
        pooled = pooled_hand_written(design, lang)
        inside = pooled & band
        right = judge == truth
        print(
            f"{lang}: n={int(pooled.sum())}, band [{low:g}, {high:g}) {int(inside.sum())} pairs;"
            f" judge {right[pooled].mean():.4f} (band {right[inside].mean():.3f})"
        )
        for name, call in calls.items():
            ok = call == truth
            print(
                f"  {name}: {ok[pooled].mean():.4f} (band {ok[inside].mean():.3f});"
                f" right where the judge is wrong {int((ok & ~right & pooled).sum())},"
                f" the reverse {int((right & ~ok & pooled).sum())}",
                flush=True,
            )


if __name__ == "__main__":
    main()
