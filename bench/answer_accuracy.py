"""Answer-side detection: how the default policy judges what a model writes back.

The gateway checks answers and the assessment judges them, so long, answer-shaped text matters
as much as prompts. Sets, none used for training or tuning:

* JADE-DB v3 answers (zh), TEST split only (training/datasets.py's 20 % by hash): each question's
  violating answer (unsafe) and its safe, helpful answer (safe);
* JailbreakBench artifacts (en): responses the upstream judged jailbroken (unsafe) — the
  training scripts read only the goals and attack prompts of that set, never the responses;
* bench/data/answers_safe_heldout_{zh,en}.jsonl: safe answers written by the project for
  evaluation only (see bench/data/README.md).

An answer counts as detected at flag or block. Reported per set: detection rate (recall on
unsafe, false-flag rate on safe) and block rate, with Wilson 95 % intervals, for the default
cascade and the cascade without its e5 tier. Writes bench/results/answer_accuracy.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from _common import DATA, DATASETS, ROOT, read_jsonl, write_results

sys.path.insert(0, str(ROOT / "training"))

from datasets import split_of
from hegui.detect import Cascade, Decision, Role, Tier, TierRun, build_cascade
from hegui.detect.classifier import NgramClassifier
from hegui.policy import DEFAULT_POLICY_ID
from hegui.stats import wilson

Item = tuple[str, bool]  # text, unsafe


def jade_answers() -> list[Item]:
    import csv

    items: list[Item] = []
    for path in sorted((DATASETS / "jade_db").glob("jade-db-v3*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                for column, unsafe in (("违规回答", True), ("安全有用回答", False)):
                    text = (row.get(column) or "").strip()
                    if text and split_of(text) == "test":
                        items.append((text, unsafe))
    return items


def jailbroken_responses() -> list[Item]:
    items: list[Item] = []
    for path in sorted((DATASETS / "jailbreakbench_artifacts").glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8"))["jailbreaks"]:
            response = (entry.get("response") or "").strip()
            if entry.get("jailbroken") and response:
                items.append((response, True))
    return items


def heldout_safe(lang: str) -> list[Item]:
    path = DATA / f"answers_safe_heldout_{lang}.jsonl"
    return [(row["text"], False) for row in read_jsonl(path)] if path.exists() else []


def without_e5(cascade: Cascade) -> Cascade:
    tiers = [
        Tier(t.detector, t.kind, TierRun.NEVER if t.detector.name == "e5" else t.run, t.labels)
        for t in cascade.tiers
    ]
    return Cascade(cascade.policy, tiers, cascade.scope)


def with_ngram(cascade: Cascade, heads: Path) -> Cascade:
    ngram = NgramClassifier(heads)
    tiers = [
        Tier(ngram, t.kind, t.run, t.labels) if t.detector.name == "ngram" else t
        for t in cascade.tiers
    ]
    return Cascade(cascade.policy, tiers, cascade.scope)


def rate(hits: int, n: int) -> dict[str, Any]:
    low, high = wilson(hits, n)
    return {
        "value": round(hits / n, 4) if n else None,
        "n": n,
        "ci95": [round(low, 4), round(high, 4)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-set", type=int, default=200, help="items per set (sampled, seed 7)")
    parser.add_argument(
        "--compare-ngram", type=Path, help="also measure with these n-gram heads (e.g. older ones)"
    )
    args = parser.parse_args()
    rng = random.Random(7)
    sets: dict[str, list[Item]] = {
        "jade-v3 test: unsafe answers (zh)": [i for i in jade_answers() if i[1]],
        "jade-v3 test: safe answers (zh)": [i for i in jade_answers() if not i[1]],
        "jailbreakbench: jailbroken responses (en)": jailbroken_responses(),
        "project held-out: safe answers (zh)": heldout_safe("zh"),
        "project held-out: safe answers (en)": heldout_safe("en"),
    }
    sets = {k: rng.sample(v, min(len(v), args.per_set)) for k, v in sets.items() if v}
    full = build_cascade(DEFAULT_POLICY_ID)
    variants = {"default cascade": full, "without e5": without_e5(full)}
    if args.compare_ngram:
        variants[f"n-gram heads {args.compare_ngram.name}"] = with_ngram(full, args.compare_ngram)
        variants[f"n-gram heads {args.compare_ngram.name}, without e5"] = without_e5(
            with_ngram(full, args.compare_ngram)
        )
    results: dict[str, Any] = {}
    lines = [
        "# Answer-side detection (policy cn-tc260, role answer)",
        "",
        "Detected = flag or block. Unsafe sets: the rate is recall; safe sets: the false-flag "
        "rate. Wilson 95 % intervals. Sets and provenance: see the script's docstring.",
        "",
        "| set | variant | n | detected | blocked | median chars |",
        "|---|---|---:|---|---|---:|",
    ]
    for name, items in sets.items():
        lengths = sorted(len(t) for t, _ in items)
        for variant, cascade in variants.items():
            verdicts = [cascade.check(text, Role.ANSWER) for text, _ in items]
            flagged = sum(v.decision is not Decision.ALLOW for v in verdicts)
            blocked = sum(v.decision is Decision.BLOCK for v in verdicts)
            entry = {"detected": rate(flagged, len(items)), "blocked": rate(blocked, len(items))}
            results.setdefault(name, {})[variant] = entry
            d, b = entry["detected"], entry["blocked"]
            lines.append(
                f"| {name} | {variant} | {len(items)} | {d['value']:.3f} "
                f"[{d['ci95'][0]:.3f}–{d['ci95'][1]:.3f}] | {b['value']:.3f} "
                f"[{b['ci95'][0]:.3f}–{b['ci95'][1]:.3f}] | {lengths[len(lengths) // 2]} |"
            )
    write_results("answer_accuracy", {"sets": results}, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
