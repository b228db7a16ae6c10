"""How many pairs a second-opinion band sends out, and what it could at most buy.

    OMP_NUM_THREADS=1 .venv/bin/python training/refusal/escalation_band.py \\
        [--c C] [--bands 0.2:0.8 0.3:0.7 0.1:0.9] [--workers N] [--groups K]

For each band ``LOW:HIGH``, over the pooled hand-written writers' pairs, scored leave one
writer out (as a new writer's pairs would be; with ``--groups K``, one of K writer groups
out: the folds of ``train_refusal.py --groups K``, whose sentence models that run cached):
the share of pairs whose refusal probability falls in ``[LOW, HIGH)`` (what
``hegui refusal --judge-url`` would send to a served model), the judge's accuracy on them and
on the rest, and the accuracy if every pair in the band were decided right (an upper bound on
what any second opinion adds), at the shipped weights' L2 strength unless ``--c`` says
otherwise and at their refusal threshold. This is how the default band of
``EscalationConfig`` was chosen. Reads the same data as training; writes nothing. Leave one
writer out took about half an hour on two cores once the embeddings were cached (22
hand-written writers, 2026-12-02) and now takes hours; the folds run in ``--workers``
processes (default one per core).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from crossval import SentenceScores, leave_one_writer_out
from train_refusal import (
    SENTENCE_CACHE,
    cross_validation_name,
    number_pair,
    pooled_hand_written,
    refusal_right,
    shipped_recipe_setup,
)

from hegui.detect.refusal._judge import CLASSES


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bands", type=number_pair, nargs="+", default=[(0.2, 0.8), (0.3, 0.7), (0.1, 0.9)]
    )
    args, shipped, design, folds = shipped_recipe_setup(parser, argv)
    c = args.c
    probs = leave_one_writer_out(
        design,
        SentenceScores(design, SENTENCE_CACHE),
        [c],
        workers=args.workers,
        folds=folds,
        per_language=args.per_language,
    )[c]
    threshold = float(shipped["threshold"])
    print(f"C={c:g}, threshold {threshold:g}, {cross_validation_name(args.groups)}")
    score = 1.0 - probs[:, CLASSES.index("none")]
    right = refusal_right(design, probs, threshold)
    for lang in ("en", "zh"):
        pooled = pooled_hand_written(design, lang)
        n = int(pooled.sum())
        print(f"{lang}: hand-written pooled n={n}, judge accuracy {right[pooled].mean():.4f}")
        for low, high in args.bands:
            inside = pooled & (score >= low) & (score < high)
            outside = pooled & ~inside
            k = int(inside.sum())
            print(
                f"  band [{low:g}, {high:g}): {k} pairs ({k / n:.1%}), judge accuracy in band"
                f" {right[inside].mean() if k else float('nan'):.3f}, outside"
                f" {right[outside].mean():.4f}; if the band were decided right"
                f" {(right[outside].sum() + k) / n:.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
