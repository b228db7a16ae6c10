"""Leave-one-writer-out accuracy of the refusal judge for other scales of its e5 columns.

    OMP_NUM_THREADS=1 .venv/bin/python training/refusal/compare_embeddings.py \\
        [--c 32] [--scales 3:0 3:2 3:4 5:2] [--workers N] [--groups K] [--hidden H]

Each ``A:B`` scales the embeddings of the answer's first and last characters by ``A`` and
that of its most refusing sentence by ``B`` (0 leaves that part out). Prints the pooled
hand-written accuracy per language for each pair, the figure ``train_refusal.py`` chooses C
by; this is how ``EMBED_SCALE`` and ``SENTENCE_EMBED_SCALE`` in ``crossval.py`` were chosen
(the model card lists the runs). Reads the same data as training; writes nothing. About
five minutes per pair of scales on one core once the embeddings are cached.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from crossval import SentenceScores, leave_one_writer_out
from readers import DATASETS
from train_refusal import (
    SENTENCE_CACHE,
    add_groups_option,
    add_hidden_option,
    add_workers_option,
    folds_of,
    number_pair,
    pooled_accuracy,
    training_design,
)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument("--c", type=float, default=32.0, help="L2 strength of the answer model")
    parser.add_argument(
        "--scales", type=number_pair, nargs="+", default=[(3.0, 0.0), (3.0, 2.0), (3.0, 4.0)]
    )
    add_workers_option(parser)
    add_groups_option(parser)
    add_hidden_option(parser)
    args = parser.parse_args(argv)
    design = training_design(args.datasets)
    scores = SentenceScores(design, SENTENCE_CACHE)
    folds = folds_of(parser, design, args.groups)
    for scales in args.scales:
        probs = leave_one_writer_out(
            design, scores, [args.c], scales, args.workers, folds, args.hidden
        )[args.c]
        en, zh = pooled_accuracy(design, probs)
        print(
            f"scales {scales[0]:g}:{scales[1]:g}, C={args.c:g}:"
            f" hand-written pooled en {en:.4f} / zh {zh:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
