"""Choose the n-gram head's per-script logit shift on dev and write it into the shipped heads.

Run from the repository root after ``rebuild_default_heads.py`` (a few minutes on one core)::

    OMP_NUM_THREADS=1 .venv/bin/python training/calibrate_script_shift.py [--datasets PATH]

The unsafe head's threshold is tuned once for all languages. On dev, that left English safe
look-alikes of unsafe prompts (``kill a python process``) flagged about twice as often as Chinese
ones. This script replays the whole default cascade (keywords, PII, n-gram, e5 where the band
sends it) on the dev prompts of each language for a grid of shifts of the n-gram unsafe logit,
and per language keeps the shift with the best dev F1 among those whose false-flag rate on the
dev part of the hand-written look-alike files (``safe_hard*``, ``contrast*``,
``safe_near_sensitive*``) is at most ``HARD_SAFE_CAP``. Chinese text gets the ``zh`` choice,
all other text the ``en`` one (:func:`hegui.detect.classifier._text.script_of`). Writes
``meta["script_shift"]`` into ``weights/ngram.npz`` and ``training/CALIBRATION.md``. The test
split and ``bench/data`` are never read.
"""

from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import datasets as ds
from hegui.detect import build_cascade
from hegui.detect._types import Role
from hegui.detect.classifier._heads import load_heads, save_heads
from hegui.policy import load_policy

SHIFTS = tuple(round(0.4 - 0.2 * i, 1) for i in range(11))  # +0.4 … -1.6
HARD_SAFE_CAP = 0.07
"""Dev look-alike false-flag cap: below the 10 % target with room for the gap seen between dev
and independently written sets (English, before this step: dev 10.8 %, fourth blind set 13.5 %)."""
HARD_SOURCES = ("safe_hard", "contrast", "safe_near_sensitive")
SCRIPT = {"zh": "cjk", "en": "other"}
WEIGHTS = ds.REPO / "src" / "hegui" / "detect" / "classifier" / "weights" / "ngram.npz"
REPORT = ds.REPO / "training" / "CALIBRATION.md"


@dataclass(frozen=True)
class Row:
    shift: float
    f1: float
    recall: float
    safe_false_flags: float
    hard_flagged: int
    hard_n: int

    @property
    def hard_rate(self) -> float:
        return self.hard_flagged / self.hard_n


def _is_hard(example: ds.Example) -> bool:
    return example.label == "safe" and example.source.split(":")[-1].startswith(HARD_SOURCES)


def scan(lang: str, datasets_dir: Path) -> list[Row]:
    """Dev F1 and false flags of the default cascade per shift, for one language."""
    examples = [e for e in ds.prompts_of_split("dev", datasets_dir) if e.lang == lang]
    cascade = build_cascade(load_policy("cn-tc260"))
    ngram = next(t.detector for t in cascade.tiers if t.detector.name == "ngram")
    for tier in cascade.tiers:
        if tier.detector.name == "e5":  # its scores do not depend on the shift: embed once
            detect = tier.detector.detect
            cached = functools.cache(lambda text, role, d=detect: d(text, role))
            object.__setattr__(tier.detector, "detect", cached)
    heads = ngram._heads  # the calibration moves exactly this head's logit
    unsafe = [e.label != "safe" for e in examples]
    hard = [_is_hard(e) for e in examples]
    rows = []
    for shift in SHIFTS:
        heads.meta["script_shift"] = {"cjk": shift, "other": shift}
        flagged = [cascade.check(e.text, Role.PROMPT).decision.value != "allow" for e in examples]
        tp = sum(f and u for f, u in zip(flagged, unsafe, strict=True))
        fp = sum(f and not u for f, u in zip(flagged, unsafe, strict=True))
        fn = sum(u and not f for f, u in zip(flagged, unsafe, strict=True))
        rows.append(
            Row(
                shift,
                2 * tp / (2 * tp + fp + fn),
                tp / sum(unsafe),
                fp / (len(unsafe) - sum(unsafe)),
                sum(f and h for f, h in zip(flagged, hard, strict=True)),
                sum(hard),
            )
        )
        print(lang, rows[-1], flush=True)
    return rows


def choose(rows: list[Row]) -> Row:
    """Best F1 within the cap (ties: the smaller move); the fewest false flags if none is."""
    within = [r for r in rows if r.hard_rate <= HARD_SAFE_CAP]
    if within:
        return max(within, key=lambda r: (round(r.f1, 4), -abs(r.shift)))
    return min(rows, key=lambda r: (r.hard_rate, -r.f1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=Path, default=ds.DEFAULT_DATASETS)
    args = parser.parse_args()
    scans = {lang: scan(lang, args.datasets) for lang in SCRIPT}
    chosen = {lang: choose(rows) for lang, rows in scans.items()}
    heads = load_heads(WEIGHTS, "ngram")
    heads.meta["script_shift"] = {SCRIPT[lang]: row.shift for lang, row in chosen.items()}
    heads.meta["script_shift_chosen_on"] = f"dev, {date.today().isoformat()}"
    save_heads(WEIGHTS, heads)
    lines = [
        "# n-gram head: per-script shift of the unsafe logit",
        "",
        f"Generated by `training/calibrate_script_shift.py` on {date.today().isoformat()}; do not "
        "edit by hand. The whole default cascade (cn-tc260) replayed on the dev prompts; "
        "look-alikes = the dev part of the hand-written `safe_hard*`, `contrast*` and "
        f"`safe_near_sensitive*` files. Rule: best dev F1 with look-alike false flags ≤ "
        f"{HARD_SAFE_CAP:.0%}.",
        "",
        "| lang | shift | dev F1 | recall | false flags, all safe | look-alike false flags "
        "| chosen |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang, rows in scans.items():
        for r in rows:
            mark = "✓" if r is chosen[lang] else ""
            lines.append(
                f"| {lang} | {r.shift:+.1f} | {r.f1:.3f} | {r.recall:.3f} | "
                f"{r.safe_false_flags:.3f} | {r.hard_rate:.3f} ({r.hard_flagged}/{r.hard_n}) "
                f"| {mark} |"
            )
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS} (script_shift {heads.meta['script_shift']}) and {REPORT}")


if __name__ == "__main__":
    sys.exit(main())
