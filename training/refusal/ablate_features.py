"""Leave-one-writer-out accuracy of the refusal judge with groups of answer features removed.

    OMP_NUM_THREADS=1 .venv/bin/python training/refusal/ablate_features.py \\
        --without ask_,decline_names_ --without ask_compound [--c 8] [--workers N] \\
        [--groups K] [--hidden H] [--probabilities-out PATH]

Each ``--without`` names comma-separated prefixes of ``named_features`` (or ``hashed``: the
hashed character n-grams of the answer's first and last characters); the run scores the
full layout and, for each ``--without``, the layout with those columns emptied (an empty
column is the same as a feature the model never had). Every variant shares the sentence
scores (cached, see ``SentenceScores``), so a variant costs only its folds. Prints the pooled
hand-written accuracy of each, per writer and language, and the pairs on which each variant
and the full layout disagree (a McNemar count: which one wins, by how many, out of how many).
``--probabilities-out`` also writes each variant's out-of-fold refusal probabilities (``.npz``,
one array per variant, row-aligned with the training design's pairs, beside their writers and
labels), for reading the misses afterwards.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from crossval import SentenceScores, leave_one_writer_out
from design import Design
from readers import DATASETS
from train_refusal import (
    SENTENCE_CACHE,
    THRESHOLD,
    add_groups_option,
    add_hidden_option,
    add_workers_option,
    folds_of,
    refusal_right,
    training_design,
    writer_groups,
)

HASHED = "hashed"
"""The ``--without`` name of the answer's hashed character n-gram columns (all of them)."""


def without(design: Design, prefixes: Sequence[str]) -> Design:
    """``design`` with the answer columns of every named feature starting with a prefix
    emptied, and with ``HASHED`` among them, every hashed n-gram column."""
    named = [p for p in prefixes if p != HASHED]
    columns = [i for i, name in enumerate(design.layout.names) if name.startswith(tuple(named))]
    if HASHED in prefixes:
        columns += range(len(design.layout.names), design.layout.size)
    if not columns:
        raise SystemExit(f"no named feature starts with any of {list(prefixes)}")
    keep = np.ones(design.answers.shape[1])
    keep[columns] = 0.0
    return dataclasses.replace(
        design, answers=design.answers.multiply(keep).tocsr(), emptied=tuple(columns)
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument("--c", type=float, default=8.0, help="L2 strength of the answer model")
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        help="comma-separated feature-name prefixes to remove (repeatable: one variant each)",
    )
    parser.add_argument(
        "--probabilities-out", type=Path, help="write each variant's out-of-fold probabilities"
    )
    add_workers_option(parser)
    add_groups_option(parser)
    add_hidden_option(parser)
    args = parser.parse_args(argv)
    design = training_design(args.datasets)
    scores = SentenceScores(design, SENTENCE_CACHE)
    folds = folds_of(parser, design, args.groups)
    variants = {"full": design} | {
        f"without {spec}": without(design, spec.split(",")) for spec in args.without
    }
    right = {}
    out_of_fold = {}
    for name, variant in variants.items():
        probs = leave_one_writer_out(
            variant, scores, [args.c], workers=args.workers, folds=folds, hidden=args.hidden
        )
        out_of_fold[name] = probs[args.c]
        right[name] = refusal_right(variant, probs[args.c], THRESHOLD)
        print(f"{name}: done", flush=True)
    if args.probabilities_out:
        np.savez(
            args.probabilities_out,
            writers=design.writers,
            kinds=np.array([p.kind for p in design.pairs]),
            **out_of_fold,
        )
    groups = writer_groups(design)
    print("| writer | lang | n | " + " | ".join(variants) + " |")
    print("|---|---|---|" + "---|" * len(variants))
    for (writer, lang), mask in groups.items():
        cells = " | ".join(f"{float(np.mean(r[mask])):.3f}" for r in right.values())
        print(f"| {writer} | {lang} | {int(mask.sum())} | {cells} |")
    for lang in ("en", "zh"):
        pooled = groups[("hand-written, pooled", lang)]
        for name in list(variants)[1:]:
            full, other = right["full"][pooled], right[name][pooled]
            print(
                f"{lang}, full against {name}: full right where it is wrong "
                f"{int((full & ~other).sum())}, the reverse {int((other & ~full).sum())}"
            )


if __name__ == "__main__":
    main()
