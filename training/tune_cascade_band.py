"""Choose the cascade's uncertain band (``cascade.uncertain_low`` / ``uncertain_high``) on dev.

Run from the repository root (embeds the dev prompts with e5 once, a few minutes on one core)::

    OMP_NUM_THREADS=1 .venv/bin/python training/tune_cascade_band.py [--datasets PATH]

The e5 tier is the expensive one: the cascade sends it a prompt only when some risk's score
from the cheaper tiers lies in the uncertain band. For every dev prompt (the 10 % dev split of
:mod:`datasets`, prompts only) this script records the cheap tiers' risk scores and the
verdicts with and without e5, then replays the cascade for a grid of bands. It prints, per
band, the share of prompts sent to e5 and the dev F1 and safe-prompt false-flag rate per
language, and the narrowest band whose F1 and false-flag rate stay within ``--tolerance`` of
the widest band's in both languages. The test split and ``bench/data`` are never read.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import datasets as ds
from hegui.detect import Cascade, build_cascade
from hegui.detect._cascade import Tier, TierRun
from hegui.detect._types import Role
from hegui.policy import load_policy

LOWS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
HIGHS = (0.6, 0.65, 0.7, 0.75, 0.8)


@dataclass(frozen=True)
class Scored:
    lang: str
    unsafe: bool
    cheap_scores: tuple[float, ...]
    flagged_without_e5: bool
    flagged_with_e5: bool


def score_dev(datasets_dir: Path) -> list[Scored]:
    policy = load_policy("cn-tc260")
    full = build_cascade(policy)
    cheap = Cascade(policy, [t for t in full.tiers if t.detector.name != "e5"])
    always = Cascade(
        policy,
        [Tier(t.detector, t.kind, TierRun.ALWAYS, t.labels) for t in full.tiers],
    )
    examples = [e for e in ds.prompts_of_split("dev", datasets_dir) if e.lang in ("zh", "en")]
    rows: list[Scored] = []
    for n, example in enumerate(examples, 1):
        without = cheap.check(example.text, Role.PROMPT)
        with_e5 = always.check(example.text, Role.PROMPT)
        rows.append(
            Scored(
                lang=example.lang,
                unsafe=example.unsafe,
                cheap_scores=tuple(c.score for c in without.categories),
                flagged_without_e5=without.decision.value != "allow",
                flagged_with_e5=with_e5.decision.value != "allow",
            )
        )
        if n % 200 == 0:
            print(f"{n}/{len(examples)} dev prompts scored", file=sys.stderr, flush=True)
    return rows


def replay(rows: list[Scored], low: float, high: float, lang: str) -> dict[str, float]:
    tp = fp = fn = safe = 0
    sent = 0
    chosen = [r for r in rows if r.lang == lang]
    for row in chosen:
        in_band = any(low <= s < high for s in row.cheap_scores)
        sent += in_band
        flagged = row.flagged_with_e5 if in_band else row.flagged_without_e5
        tp += flagged and row.unsafe
        fp += flagged and not row.unsafe
        fn += (not flagged) and row.unsafe
        safe += not row.unsafe
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {
        "n": len(chosen),
        "f1": round(f1, 4),
        "false_flag_rate": round(fp / safe, 4) if safe else 0.0,
        "sent_to_e5": round(sent / len(chosen), 4) if chosen else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=Path, default=ds.DEFAULT_DATASETS)
    parser.add_argument("--tolerance", type=float, default=0.005)
    args = parser.parse_args(argv)
    rows = score_dev(args.datasets)
    table = {
        (low, high): {lang: replay(rows, low, high, lang) for lang in ("zh", "en")}
        for low, high in itertools.product(LOWS, HIGHS)
        if low < high
    }
    widest = table[(min(LOWS), max(HIGHS))]
    for (low, high), per in table.items():
        print(f"[{low}, {high})", json.dumps(per))

    def acceptable(per: dict[str, dict[str, float]]) -> bool:
        return all(
            per[lang]["f1"] >= widest[lang]["f1"] - args.tolerance
            and per[lang]["false_flag_rate"] <= widest[lang]["false_flag_rate"] + args.tolerance
            for lang in per
        )

    candidates = [band for band, per in table.items() if acceptable(per)]
    best = min(candidates, key=lambda b: sum(table[b][lang]["sent_to_e5"] for lang in ("zh", "en")))
    print("chosen band", best, json.dumps(table[best]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
