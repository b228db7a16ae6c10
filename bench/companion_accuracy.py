"""Companion risk scorer on the independent held-out sets: escalation recall and false escalations.

    OMP_NUM_THREADS=1 .venv/bin/python bench/companion_accuracy.py

Reads bench/data/companion_heldout2_{zh,en}.jsonl (rows ``{"id", "language", "text", "label"}``,
see companion_heldout2_README.md; written independently of training/companion/ and never used
for training or tuning; the first held-out set, companion_heldout_*, was moved into the
training data once it had been looked at) and applies the monitor's escalation rule
(:meth:`hegui.companion.RiskScores.escalates`): a message escalates when an intent rule matches
it or its explicit self-harm score reaches the pack's ``companion.risk.escalate_at`` (zh:
cn-companion, en: us-ca-sb243). Per language: recall on ``explicit_self_harm`` (also of the
classifier and the rules alone), false-escalation rate on ``everyday_distress`` + ``neutral``,
each with n and a 95% Wilson interval; the escalation rate and support-notice rate of every
label for context. Writes bench/results/companion_accuracy.{json,md}.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _common import DATA, read_jsonl, write_results  # noqa: E402
from hegui.companion import LABELS, RiskScorer, rules_of  # noqa: E402
from hegui.policy import load_policy  # noqa: E402
from hegui.stats import wilson  # noqa: E402

PACKS = {"zh": "cn-companion", "en": "us-ca-sb243"}
HELD_OUT = "companion_heldout2_{lang}.jsonl"
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
        rows = read_jsonl(DATA / HELD_OUT.format(lang=lang))
        escalated: dict[str, list[bool]] = {label: [] for label in LABELS}
        support: dict[str, list[bool]] = {label: [] for label in LABELS}
        tiers = {"classifier": 0, "rules": 0}
        benign_by_rules = 0
        for row in rows:
            scores = scorer.score(row["text"])
            up = scores.escalates(risk.escalate_at)
            escalated[row["label"]].append(up)
            if row["label"] == "explicit_self_harm":
                tiers["classifier"] += scores.explicit_self_harm >= risk.escalate_at
                tiers["rules"] += scores.intent_rule is not None
            elif row["label"] in NOT_SELF_HARM:
                benign_by_rules += scores.intent_rule is not None
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
            "explicit_recall_by_tier": {
                tier: rate(hits, len(escalated["explicit_self_harm"]))
                for tier, hits in tiers.items()
            },
            "false_escalation": rate(sum(benign), len(benign)),
            "false_escalations_by_rules": benign_by_rules,
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
        "Escalation rule as in the monitor: an intent rule matches, or the explicit self-harm "
        "score ≥ the pack's `escalate_at`. Sets: `bench/data/companion_heldout2_*` (see its "
        "README). Run once, after the scorer, rules and thresholds were final; no tuning on "
        "these sets.",
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
    md += ["", "Explicit recall of each tier alone:", ""]
    for lang, r in results.items():
        by_tier = r["explicit_recall_by_tier"]
        md.append(
            f"- {lang}: classifier {by_tier['classifier']['rate']:.1%}, "
            f"intent rules {by_tier['rules']['rate']:.1%}; false escalations caused by a rule: "
            f"{r['false_escalations_by_rules']}"
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
