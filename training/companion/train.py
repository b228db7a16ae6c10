"""Train the companion risk scorer's head, measure it with the intent rules, ship it.

    OMP_NUM_THREADS=1 .venv/bin/python training/companion/train.py [--folds 5] [--out PATH]

Reads every labelled message in ``training/companion/data/`` (:mod:`examples`), and measures
the scorer as the monitor applies it — the classifier's explicit self-harm probability against
the pack's ``escalate_at``, or any intent rule of ``hegui/companion/intent.yaml``:

1. stratified k-fold cross-validation (by language and label): out-of-fold probabilities give
   recall on explicit self-harm and false escalations on everyday distress + neutral, per
   language, over a grid of thresholds; the calibrated ``escalate_at`` is the lowest threshold
   whose false-escalation rate is within ``FALSE_BUDGET`` in both languages;
2. writer held out: fitted on the project's own messages only, scored on the independent
   writer's former held-out set (``heldout_v1``), at the shipped packs' threshold.

Then it fits on everything and writes ``src/hegui/companion/weights/risk.npz`` with the figures
in its metadata, and prints them as Markdown for the model card (training/companion/README.md).
Embeddings are cached in ``training/companion/.cache`` (not shipped).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from evaluate import Array, calibrate, escalation_figures
from examples import INDEPENDENT, LANGS, read_examples
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from hegui.companion._intent import IntentRules
from hegui.companion._risk import LABELS, MAX_CHARS, default_weights, save_weights
from hegui.detect.classifier._embedding import embed_cached, features_meta, stacked_features
from hegui.detect.classifier._ngram import NgramFeatures
from hegui.policy import load_policy

HERE = Path(__file__).resolve().parent
C = 16.0
PACKS = ("cn-companion", "us-ca-sb243")
FALSE_BUDGET = 0.05
"""Out-of-fold false escalations allowed when calibrating, per language: the 5% target itself,
because explicit recall comes first and the cross-validated negatives are already harder than
everyday chat — a third of them were written to look like intent ("I'm going to jump into the
pool", 我要去医院拿药); on the independent writer's natural negatives the rate is under 1% (the
per-file figures in training/companion/README.md)."""


def fit(x: Any, y: Array) -> tuple[Array, Array]:
    """``(w, b)`` of a multinomial logistic regression, columns in ``LABELS`` order."""
    model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced", random_state=0)
    model.fit(x, y)
    order = [list(model.classes_).index(label) for label in LABELS]
    return model.coef_[order].T.astype(np.float32), model.intercept_[order].astype(np.float32)


def p_explicit(x: Any, w: Array, b: Array) -> Array:
    """The explicit self-harm probability of each row."""
    z = np.asarray(x @ w) + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(p[:, 0] / p.sum(axis=1))


def out_of_fold(x: Any, y: Array, langs: Array, folds: int) -> Array:
    """Each row's explicit probability from the fold model that did not see it."""
    out = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    strata = [f"{a}/{b}" for a, b in zip(langs, y, strict=True)]
    for train, test in splitter.split(x, strata):
        w, b = fit(x[train], y[train])
        out[test] = p_explicit(x[test], w, b)
    return out


def shipped_threshold() -> float:
    """The packs' ``escalate_at`` (they must agree: one scorer, one calibration)."""
    values = set()
    for pack_id in PACKS:
        rules = load_policy(pack_id).companion
        assert rules is not None, pack_id
        values.add(rules.risk.escalate_at)
    if len(values) != 1:
        sys.exit(f"the packs {PACKS} disagree on companion.risk.escalate_at: {sorted(values)}")
    return values.pop()


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1%}"


def markdown(metrics: dict[str, Any], counts: dict[str, Any]) -> str:
    """The figures as the model card's tables."""
    at = metrics["escalate_at"]
    lines = [
        f"Examples: {counts}",
        "",
        f"| evaluation (escalate_at {at:g}) | language | explicit recall (n) | classifier alone "
        "| rules alone | false escalations on distress + neutral (n) | by rules "
        "| ambiguous escalated (n) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, key in (("5-fold CV, all data", "cross_validation"), ("writer held out", "writer")):
        for lang in LANGS:
            f = metrics[key][lang]
            lines.append(
                f"| {name} | {lang} | {f['explicit_recall']:.1%} ({f['n_explicit']}) "
                f"| {f['explicit_recall_classifier']:.1%} | {f['explicit_recall_rules']:.1%} "
                f"| {f['false_escalation_rate']:.1%} ({f['n_not_self_harm']}) "
                f"| {f['false_escalations_by_rules']} "
                f"| {f['ambiguous_escalation_rate']:.1%} ({f['n_ambiguous']}) |"
            )
    lines += [
        "",
        "| file (5-fold CV) | language | explicit recall (n) | false escalations (n) "
        "| ambiguous escalated (n) |",
        "|---|---|---|---|---|",
    ]
    for name, figures in metrics["cross_validation_by_file"].items():
        for lang in LANGS:
            f = figures[lang]
            lines.append(
                f"| {name} | {lang} | {_pct(f['explicit_recall'])} ({f['n_explicit']}) "
                f"| {_pct(f['false_escalation_rate'])} ({f['n_not_self_harm']}) "
                f"| {_pct(f['ambiguous_escalation_rate'])} ({f['n_ambiguous']}) |"
            )
    lines += [
        "",
        "| threshold | en recall | en false | zh recall | zh false |",
        "|---|---|---|---|---|",
    ]
    for t, f in metrics["sweep"].items():
        lines.append(
            f"| {t} | {f['en']['explicit_recall']:.1%} | {f['en']['false_escalation_rate']:.1%} "
            f"| {f['zh']['explicit_recall']:.1%} | {f['zh']['false_escalation_rate']:.1%} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=default_weights())
    args = parser.parse_args()
    rows = read_examples()
    texts = [row.text[:MAX_CHARS] for row in rows]
    y = np.array([row.label for row in rows])
    langs = np.array([row.lang for row in rows])
    independent = np.array([row.source == INDEPENDENT for row in rows])
    files = np.array([row.file for row in rows])
    intent = IntentRules()
    rule = np.array([intent.match(row.text) is not None for row in rows])
    ngram = NgramFeatures()
    x = stacked_features(ngram, texts, embed_cached(texts, HERE / ".cache"))

    at = shipped_threshold()
    oof = out_of_fold(x, y, langs, args.folds)
    calibrated, sweep = calibrate(oof, rule, y, langs, FALSE_BUDGET)
    everything = np.ones(len(y), dtype=bool)
    w, b = fit(x[~independent], y[~independent])
    held_out = np.zeros(len(y))
    held_out[independent] = p_explicit(x[independent], w, b)
    metrics = {
        "escalate_at": at,
        "calibrated_escalate_at": calibrated,
        "false_budget": FALSE_BUDGET,
        "folds": args.folds,
        "cross_validation": escalation_figures(oof, rule, y, langs, everything, at),
        "writer": escalation_figures(held_out, rule, y, langs, independent, at),
        "cross_validation_by_file": {
            name: escalation_figures(oof, rule, y, langs, files == name, at)
            for name in sorted(set(files))
        },
        "sweep": sweep,
    }

    w, b = fit(x, y)
    digest = hashlib.sha1()
    for row in sorted(rows, key=lambda r: (r.lang, r.label, r.text)):
        digest.update(f"{row.lang}\t{row.label}\t{row.text}\n".encode())
    counts = {
        lang: {label: int(((langs == lang) & (y == label)).sum()) for label in LABELS}
        for lang in LANGS
    }
    meta = {
        "features": features_meta(ngram),
        "trained": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data_sha1": digest.hexdigest(),
        "examples": counts,
        "C": C,
        "metrics": metrics,
    }
    save_weights(args.out, meta, w, b)
    print(f"wrote {args.out} ({len(rows)} examples)\n")
    print(markdown(metrics, counts))
    if calibrated != at:
        print(
            f"\nnote: the packs escalate at {at:g}; calibration on this data gives {calibrated:g} "
            f"(false escalations ≤ {FALSE_BUDGET:.1%} out of fold). Update "
            "companion.risk.escalate_at in src/hegui/policy/packs/{cn-companion,us-ca-sb243}.yaml "
            "and rerun."
        )


if __name__ == "__main__":
    main()
