"""Train the companion risk scorer's head and ship it inside the package.

    .venv/bin/python training/companion/train.py [--folds 5] [--out PATH]

Reads the hand-written labelled messages in ``training/companion/data/{en,zh}.txt`` (one
message per line under ``# label`` headings), measures the head by stratified k-fold
cross-validation (explicit self-harm recall and the false-escalation rate on everyday distress
and neutral messages, per language, at the escalation threshold of each shipped companion pack),
then fits on everything and writes ``src/hegui/companion/weights/risk.npz`` with the figures in
its metadata. Embeddings are cached in ``training/companion/.cache`` (not shipped).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from hegui.companion._risk import LABELS, MAX_CHARS, default_weights, save_weights
from hegui.detect.classifier._embedding import embed_cached, features_meta, stacked_features
from hegui.detect.classifier._ngram import NgramFeatures
from hegui.policy import load_policy

HERE = Path(__file__).resolve().parent
C = 16.0
PACKS = ("cn-companion", "us-ca-sb243")
NOT_SELF_HARM = ("everyday_distress", "neutral")


def read_examples() -> list[tuple[str, str, str]]:
    """``(language, label, text)`` for every line of the data files."""
    rows: list[tuple[str, str, str]] = []
    for lang in ("en", "zh"):
        path = HERE / "data" / f"{lang}.txt"
        label = ""
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            text = line.strip()
            if not text:
                continue
            if text.startswith("#"):
                label = text.lstrip("# ").strip()
                if label not in LABELS:
                    sys.exit(f"{path}:{number}: unknown label {label!r}")
                continue
            if not label:
                sys.exit(f"{path}:{number}: message before the first '# label' heading")
            rows.append((lang, label, text))
    return rows


def fit(x: Any, y: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """``(w, b)`` of a multinomial logistic regression, columns in ``LABELS`` order."""
    model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced", random_state=0)
    model.fit(x, y)
    order = [list(model.classes_).index(label) for label in LABELS]
    return model.coef_[order].T.astype(np.float32), model.intercept_[order].astype(np.float32)


def cross_validate(
    x: Any, y: np.ndarray[Any, Any], langs: np.ndarray[Any, Any], folds: int, thresholds: set[float]
) -> dict[str, Any]:
    """Out-of-fold explicit recall and false-escalation rate per language and threshold."""
    p_explicit = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train, test in splitter.split(x, [f"{a}/{b}" for a, b in zip(langs, y, strict=True)]):
        w, b = fit(x[train], y[train])
        z = np.asarray(x[test] @ w) + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p_explicit[test] = p[:, 0]
    out: dict[str, Any] = {"folds": folds}
    for lang in ("en", "zh"):
        mine = langs == lang
        explicit = mine & (y == "explicit_self_harm")
        benign = mine & np.isin(y, NOT_SELF_HARM)
        out[lang] = {
            f"{t:g}": {
                "explicit_recall": round(float((p_explicit[explicit] >= t).mean()), 4),
                "n_explicit": int(explicit.sum()),
                "false_escalation_rate": round(float((p_explicit[benign] >= t).mean()), 4),
                "n_not_self_harm": int(benign.sum()),
            }
            for t in sorted(thresholds)
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=default_weights())
    args = parser.parse_args()
    rows = read_examples()
    texts = [text[:MAX_CHARS] for _, _, text in rows]
    y = np.array([label for _, label, _ in rows])
    langs = np.array([lang for lang, _, _ in rows])
    ngram = NgramFeatures()
    x = stacked_features(ngram, texts, embed_cached(texts, HERE / ".cache"))
    thresholds = set()
    for pack_id in PACKS:
        rules = load_policy(pack_id).companion
        assert rules is not None, pack_id
        thresholds.add(rules.risk.escalate_at)
    metrics = cross_validate(x, y, langs, args.folds, thresholds)
    w, b = fit(x, y)
    digest = hashlib.sha1()
    for lang, label, text in sorted(rows):
        digest.update(f"{lang}\t{label}\t{text}\n".encode())
    meta = {
        "features": features_meta(ngram),
        "trained": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data_sha1": digest.hexdigest(),
        "examples": {
            lang: {label: int(((langs == lang) & (y == label)).sum()) for label in LABELS}
            for lang in ("en", "zh")
        },
        "C": C,
        "metrics": {"cross_validation": metrics},
    }
    save_weights(args.out, meta, w, b)
    print(f"wrote {args.out} ({len(rows)} examples)")
    for lang in ("en", "zh"):
        print(lang, metrics[lang])


if __name__ == "__main__":
    main()
