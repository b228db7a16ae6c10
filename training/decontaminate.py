"""Drop training rows that are near-copies of held-out evaluation items.

    .venv/bin/python training/decontaminate.py [--threshold 0.5] [--dry-run] [--refusal]

Run it before retraining. A row of ``training/data/*.jsonl`` (with ``--refusal`` also
``training/refusal/data/*.jsonl``, before retraining the refusal judge) whose character-3-gram
Jaccard similarity to any text in ``bench/data/*.jsonl`` reaches the threshold is removed from
its file (the held-out sets are never changed). Prints what it dropped, per file.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRAINING = [REPO / "training" / "data", REPO / "training" / "refusal" / "data"]
HELD_OUT = REPO / "bench" / "data"
TEXT_FIELDS = ("text", "prompt", "response", "answer")


def grams(text: str) -> frozenset[str]:
    folded = "".join(text.lower().split())
    return frozenset(folded[i : i + 3] for i in range(max(1, len(folded) - 2)))


def texts_of(row: dict[str, object]) -> list[str]:
    return [str(row[f]) for f in TEXT_FIELDS if isinstance(row.get(f), str) and row[f]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--refusal", action="store_true", help="also the refusal judge's data")
    args = parser.parse_args()
    held: list[frozenset[str]] = []
    index: dict[str, list[int]] = defaultdict(list)
    for path in sorted(HELD_OUT.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                for text in texts_of(json.loads(line)):
                    index_of = len(held)
                    held.append(grams(text))
                    for gram in held[-1]:
                        index[gram].append(index_of)
    for folder in TRAINING if args.refusal else TRAINING[:1]:
        for path in sorted(folder.glob("*.jsonl")):
            kept, dropped = [], 0
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                row = json.loads(line)
                if any(_near(grams(t), held, index, args.threshold) for t in texts_of(row)):
                    dropped += 1
                else:
                    kept.append(line)
            if dropped:
                print(f"{path.relative_to(REPO)}: {dropped} rows near held-out items")
                if not args.dry_run:
                    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def _near(
    mine: frozenset[str], held: list[frozenset[str]], index: dict[str, list[int]], limit: float
) -> bool:
    shared: dict[int, int] = defaultdict(int)
    for gram in mine:
        for i in index.get(gram, ()):
            shared[i] += 1
    return any(n / (len(mine) + len(held[i]) - n) >= limit for i, n in shared.items())


if __name__ == "__main__":
    main()
