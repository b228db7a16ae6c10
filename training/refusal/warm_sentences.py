"""Fit the sentence models a retraining needs into ``.cache/refusal_sentences``, on every core.

    OMP_NUM_THREADS=1 .venv/bin/python training/refusal/warm_sentences.py [--datasets PATH] \\
        [--groups 6] [--workers N] [--folds-only]

Before ``train_refusal.py --groups G`` fits any answer model it needs a sentence model without
each writer group and without each pair of groups (the cross-validation), and one without each
writer (the final fit's cross-fitted sentence scores). On a new machine, where ``.cache`` is
empty, that is about an hour on two cores, as long as ``warm_embeddings.py``; the sentence
models never read the answer embeddings, so the two can run side by side, first thing, and
the training run then finds both caches full (2026-12-07: 83 models for 62 writers, about 60
min on two cores beside the embeddings; the next session, 4,705 s with ``--workers 1`` beside
``warm_embeddings.py``'s two). The models are cached under a digest of everything
they read (:func:`crossval.sentence_key`): new data refits them, a change to the answer
features alone does not. ``--folds-only`` skips the final fit's per-writer models, which
``ablate_features.py`` never reads (2026-12-08, ``--workers 1`` beside ``warm_embeddings.py``:
10 models in 423 s for ``--groups 4``, 21 in 1,062 s for ``--groups 6``, instead of 75 and 86).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from crossval import SentenceScores, final_left_outs, fold_left_outs
from readers import DATASETS
from train_refusal import SENTENCE_CACHE, add_workers_option, folds_of, training_design

SHIPPED_GROUPS = 6
"""The writer groups of the shipped cross-validation (``train_refusal.py --groups 6``)."""


def left_outs(folds: Sequence[frozenset[str]], writers: Sequence[str]) -> list[frozenset[str]]:
    """Every writer set a run over ``folds`` fits a sentence model without: the folds and their
    pairs, then each of ``writers`` on its own (the final fit; none when ``writers`` is empty)."""
    return list(dict.fromkeys([*fold_left_outs(folds), *final_left_outs(writers)]))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument(
        "--groups",
        type=int,
        default=SHIPPED_GROUPS,
        help=f"writer groups of the training run to prepare for (default {SHIPPED_GROUPS})",
    )
    parser.add_argument(
        "--folds-only",
        action="store_true",
        help="only the cross-validation's models (enough for ablate_features.py)",
    )
    add_workers_option(parser)
    args = parser.parse_args(argv)
    design = training_design(args.datasets, embed=False)
    writers = [] if args.folds_only else list(design.writers)
    sets = left_outs(folds_of(parser, design, args.groups), writers)
    print(f"{len(sets)} sentence models for {len(set(design.writers))} writers (cached ones kept)")
    start = time.perf_counter()
    SentenceScores(design, SENTENCE_CACHE).prefetch(sets, args.workers)
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
