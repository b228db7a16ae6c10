"""Embed the training answers' first and last characters into the cache, on every core.

    OMP_NUM_THREADS=1 .venv/bin/python training/refusal/warm_embeddings.py [--datasets PATH] \\
        [--workers N]

``train_refusal.py`` (and the other scripts that build the training design) embeds the same
windows itself, but in one process; on a new machine, where ``.cache`` is empty, that is the
longest step of a retraining. This spreads the windows over ``--workers`` processes (default
one per core) so that the training run then finds them all in ``.cache/embeddings``. 37 to
45 min for 22,600-23,700 windows on two cores (AMD EPYC, four runs on 2026-12-04); 71 min for
26,283 (2026-12-05, nothing else running); 79 min for 34,498 (2026-12-07, beside
``warm_sentences.py --workers 1``). Only training
pairs are read; the held-out sets in ``bench/data`` are embedded by their benchmark.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from multiprocessing import Pool
from pathlib import Path

from design import answer_windows
from readers import DATASETS, read_all_sources
from rich.progress import Progress
from train_refusal import EMBEDDING_CACHE, add_workers_option

from hegui.detect.classifier._embedding import embed_cached

CHUNK = 200


def windows(responses: Sequence[str]) -> list[str]:
    """The distinct answer windows training embeds (:func:`design.answer_windows`), sorted."""
    firsts, lasts = answer_windows(responses)
    return sorted(set(firsts) | set(lasts))


def _embed(chunk: list[str]) -> int:
    embed_cached(chunk, EMBEDDING_CACHE)
    return len(chunk)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    add_workers_option(parser)
    args = parser.parse_args(argv)
    texts = windows([pair.response for pair in read_all_sources(args.datasets)])
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    with Progress() as progress, Pool(args.workers) as pool:
        task = progress.add_task(f"embedding {len(texts)} answer windows", total=len(texts))
        for done in pool.imap_unordered(_embed, chunks):
            progress.advance(task, done)


if __name__ == "__main__":
    main()
