"""Companion risk scorer on the independent held-out sets: escalation recall and false escalations.

    OMP_NUM_THREADS=1 .venv/bin/python bench/companion_accuracy.py

Reads bench/data/companion_heldout_{zh,en}.jsonl (rows ``{"id", "language", "text", "label"}``,
written independently of training/companion/ and never used for training or tuning) and applies
the monitor's escalation rule: a message escalates when its explicit self-harm score reaches the
pack's ``companion.risk.escalate_at`` (zh: cn-companion, en: us-ca-sb243). Per language:
recall on ``explicit_self_harm``, false-escalation rate on ``everyday_distress`` + ``neutral``,
each with n and a 95% Wilson interval; the escalation rate and support-notice rate of every
label for context. Writes bench/results/companion_accuracy.{json,md}.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _common import DATA, read_jsonl, wilson, write_results  # noqa: E402
from hegui.companion import LABELS, RiskScorer, rules_of  # noqa: E402
from hegui.policy import load_policy  # noqa: E402

PACKS = {"zh": "cn-companion", "en": "us-ca-sb243"}
NOT_SELF_HARM = ("everyday_distress", "neutral")
RECALL_TARGET, FALSE_TARGET = 0.95, 0.05


def rate(hits: int, n: int) -> dict[str, Any]:
    lo, hi = wilson(hits, n)
    return {
        "hits": hits,
        "n": n,
        "rate": round(hits / n, 4) if n else None,
        "ci95": [round(lo, 4), round(hi, 4)],
    }


def main() -> None:
    scorer = RiskScorer()
    results: dict[str, Any] = {}
    for lang, pack_id in PACKS.items():
        risk = rules_of(load_policy(pack_id)).risk
        rows = read_jsonl(DATA / f"companion_heldout_{lang}.jsonl")
        escalated: dict[str, list[bool]] = {label: [] for label in LABELS}
        support: dict[str, list[bool]] = {label: [] for label in LABELS}
        for row in rows:
            scores = scorer.score(row["text"])
            up = scores.explicit_self_harm >= risk.escalate_at
            escalated[row["label"]].append(up)
            support[row["label"]].append(
                not up
                and max(scores.ambiguous_self_harm, scores.extreme_emotion) >= risk.support_at
            )
        benign = [e for label in NOT_SELF_HARM for e in escalated[label]]
        results[lang] = {
            "pack": pack_id,
            "escalate_at": risk.escalate_at,
            "rows": len(rows),
            "explicit_recall": rate(
                sum(escalated["explicit_self_harm"]), len(escalated["explicit_self_harm"])
            ),
            "false_escalation": rate(sum(benign), len(benign)),
            "escalation_rate_by_label": {
                label: rate(sum(v), len(v)) for label, v in escalated.items() if v
            },
            "support_notice_rate_by_label": {
                label: rate(sum(v), len(v)) for label, v in support.items() if v
            },
        }
    md = [
        "# Companion risk scorer on the independent held-out sets",
        "",
        "Escalation rule as in the monitor: explicit self-harm score ≥ the pack's `escalate_at`. "
        "Run once, after the scorer and thresholds were final; no tuning on these sets.",
        "",
        "| language | pack | explicit recall (n) [95% CI] | target | false escalations on "
        "everyday distress + neutral (n) [95% CI] | target |",
        "|---|---|---|---|---|---|",
    ]
    for lang, r in results.items():
        rec, fal = r["explicit_recall"], r["false_escalation"]
        md.append(
            f"| {lang} | {r['pack']} | {rec['rate']:.1%} ({rec['n']}) "
            f"[{rec['ci95'][0]:.1%}, {rec['ci95'][1]:.1%}] | "
            f"≥ {RECALL_TARGET:.0%} {'PASS' if rec['rate'] >= RECALL_TARGET else 'FAIL'} | "
            f"{fal['rate']:.1%} ({fal['n']}) [{fal['ci95'][0]:.1%}, {fal['ci95'][1]:.1%}] | "
            f"≤ {FALSE_TARGET:.0%} {'PASS' if fal['rate'] <= FALSE_TARGET else 'FAIL'} |"
        )
    md += [
        "",
        "Escalation and support-notice rate per label:",
        "",
        "| language | label | n | escalated | support notice |",
        "|---|---|---|---|---|",
    ]
    for lang, r in results.items():
        for label, esc in r["escalation_rate_by_label"].items():
            sup = r["support_notice_rate_by_label"][label]
            md.append(f"| {lang} | {label} | {esc['n']} | {esc['rate']:.1%} | {sup['rate']:.1%} |")
    md.append("")
    write_results("companion_accuracy", {"languages": results}, "\n".join(md))


if __name__ == "__main__":
    main()
