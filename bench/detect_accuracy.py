"""Unsafe-prompt detection accuracy of the default policy, per language, on held-out data.

Two evaluation sets per language, neither used for training:

* the TEST split (20 %, by hash; training/datasets.py) of every labelled source — public sets
  read from ../shared/datasets plus the project's training/data — prompts only;
* the project's separately written evaluation files in bench/data: unsafe_heldout5_{lang}
  (must be caught) and hard_safe5_{lang} (safe prompts that resemble unsafe ones; the
  false-flag rate is measured on them), written by writers blind to the detectors and to
  the earlier sets (bench/data/detect_heldout5_*_README.md). The first four such sets were
  scored, then folded into training/data; only aggregates are written or printed here, so
  whoever works on the detectors never reads these rows.

A prompt counts as detected when the verdict is flag or block. Compared in the same run:
the full default cascade, keyword-only detection, the cascade without the e5 tier, and the
cascade with e5 on every text. Writes bench/results/detect_accuracy.{json,md}.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from _common import DATA, DATASETS, ROOT, read_jsonl, write_results

sys.path.insert(0, str(ROOT / "training"))

from datasets import prompts_of_split
from hegui.detect import Cascade, Role, Tier, TierRun, build_cascade
from hegui.policy import DEFAULT_POLICY_ID, PolicyPack, load_policy
from hegui.stats import wilson

Item = tuple[str, bool, str]  # text, unsafe, source


def f1_with_ci(gold: list[bool], pred: list[bool], rounds: int = 1000) -> dict[str, Any]:
    def scores(g: list[bool], p: list[bool]) -> tuple[float, float, float]:
        tp = sum(a and b for a, b in zip(g, p, strict=True))
        fp = sum(b and not a for a, b in zip(g, p, strict=True))
        fn = sum(a and not b for a, b in zip(g, p, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    precision, recall, f1 = scores(gold, pred)
    rng = random.Random(7)
    n = len(gold)
    boot = []
    for _ in range(rounds):
        idx = [rng.randrange(n) for _ in range(n)]
        boot.append(scores([gold[i] for i in idx], [pred[i] for i in idx])[2])
    boot.sort()
    return {
        "n": n,
        "n_unsafe": sum(gold),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "f1_ci95": [round(boot[int(0.025 * rounds)], 4), round(boot[int(0.975 * rounds)], 4)],
    }


def evaluate(predict: Callable[[str], bool], items: list[Item]) -> dict[str, Any]:
    preds = [predict(text) for text, _, _ in items]
    result = f1_with_ci([u for _, u, _ in items], preds)
    by_source: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for (_, unsafe, source), pred in zip(items, preds, strict=True):
        by_source[source].append((unsafe, pred))
    result["by_source"] = {
        source: {
            "n": len(pairs),
            "flagged": sum(p for _, p in pairs),
            "rate": round(sum(p for _, p in pairs) / len(pairs), 4),
            "kind": "recall" if pairs[0][0] else "false_flag_rate",
        }
        for source, pairs in sorted(by_source.items())
    }
    return result


def false_flag(predict: Callable[[str], bool], texts: list[str]) -> dict[str, Any]:
    flagged = sum(predict(t) for t in texts)
    lo, hi = wilson(flagged, len(texts))
    return {
        "n": len(texts),
        "flagged": flagged,
        "rate": round(flagged / len(texts), 4),
        "ci95": [round(lo, 4), round(hi, 4)],
    }


def cascade_configs(policy: PolicyPack) -> dict[str, Cascade]:
    """The configurations compared: the default cascade, keywords only, without e5, and
    with e5 on every text."""
    full = build_cascade(policy)
    tiers = {t.detector.name: t for t in full.tiers}
    return {
        "cascade (default)": full,
        "keywords only": Cascade(policy, [tiers["keywords"]]),
        "cascade without e5": Cascade(policy, [t for t in full.tiers if t.detector.name != "e5"]),
        "cascade, e5 on every text": Cascade(
            policy,
            [Tier(t.detector, t.kind, TierRun.ALWAYS, t.labels) for t in full.tiers],
        ),
    }


HELDOUT_SET = "5"
"""Which of the project's written evaluation sets is the current held-out one."""


def project_set(lang: str) -> tuple[list[Item], list[str]]:
    """The project's held-out unsafe prompts and safe look-alikes (the items, and the safe
    texts alone) of one language."""
    hard_safe = [r["text"] for r in read_jsonl(DATA / f"hard_safe{HELDOUT_SET}_{lang}.jsonl")]
    items: list[Item] = [
        (r["text"], True, f"project:unsafe_heldout{HELDOUT_SET}")
        for r in read_jsonl(DATA / f"unsafe_heldout{HELDOUT_SET}_{lang}.jsonl")
    ]
    items += [(text, False, f"project:hard_safe{HELDOUT_SET}") for text in hard_safe]
    return items, hard_safe


def f1_cells(result: dict[str, Any]) -> str:
    """``n (unsafe) | F1 [CI]`` of an :func:`evaluate` result, as two table cells."""
    return f"{result['n']} ({result['n_unsafe']}) | {result['f1']} {result['f1_ci95']}"


def false_flag_cell(result: dict[str, Any]) -> str:
    """``rate (flagged/n) [CI]`` of a :func:`false_flag` result."""
    return f"{result['rate']} ({result['flagged']}/{result['n']}) {result['ci95']}"


def detector_of(cascade: Cascade) -> Callable[[str], bool]:
    """Whether the cascade flags or blocks a prompt."""

    def predict(text: str) -> bool:
        return cascade.check(text, Role.PROMPT).decision.value != "allow"

    return predict


def main() -> None:
    examples = prompts_of_split("test", DATASETS)
    policy = load_policy(DEFAULT_POLICY_ID)
    configs = cascade_configs(policy)
    results: dict[str, Any] = {"policy": f"{policy.id} {policy.version}", "languages": {}}
    for lang in ("zh", "en"):
        split_items: list[Item] = [(e.text, e.unsafe, e.source) for e in examples if e.lang == lang]
        heldout, hard_safe = project_set(lang)
        per: dict[str, Any] = {}
        for name, cascade in configs.items():
            predict = detector_of(cascade)
            per[name] = {
                "test_split": evaluate(predict, split_items),
                "project_heldout": evaluate(predict, heldout),
                "hard_safe_false_flags": false_flag(predict, hard_safe),
            }
            print(
                lang,
                name,
                per[name]["test_split"]["f1"],
                per[name]["project_heldout"]["f1"],
                per[name]["hard_safe_false_flags"]["rate"],
                flush=True,
            )
        results["languages"][lang] = per

    lines = [
        "# Unsafe-prompt detection, default policy " + results["policy"],
        "",
        "Detected = verdict flag or block. F1 with a 95% bootstrap interval; false-flag rate "
        "with a 95% Wilson interval. Neither set was used to train or tune any detector: the "
        "fifth held-out set (bench/data/*heldout5*, hard_safe5_*, written while the detectors' "
        "last changes were being made) is scored here once, after them.",
        "",
        "| lang | configuration | test split n (unsafe) | F1 [95% CI] "
        "| project held-out n (unsafe) | F1 [95% CI] | hard-safe false flags |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang, per in results["languages"].items():
        for name, r in per.items():
            cells = [
                f1_cells(r["test_split"]),
                f1_cells(r["project_heldout"]),
                false_flag_cell(r["hard_safe_false_flags"]),
            ]
            lines.append(f"| {lang} | {name} | " + " | ".join(cells) + " |")
    lines.append("")
    write_results("detect_accuracy", results, "\n".join(lines))


if __name__ == "__main__":
    main()
