"""Rebuild the refusal judge's shipped weights and its model card.

    OMP_NUM_THREADS=1 .venv/bin/python training/refusal/train_refusal.py [--datasets PATH]

Trains a multinomial logistic regression (none / partial / full) on the train split of
every source (JailbreakBench, JADE-DB v3, the project's own pairs), picks the L2 strength on
an inner validation split of the training data, refits on all training rows, and writes
``src/hegui/detect/refusal/weights/refusal.{npz,json}`` and ``training/refusal/MODEL_CARD.md``
with test-split (and held-out, if present) metrics. The held-out set is never trained on.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from readers import DATASETS, ROOT, Pair, read_all_sources, read_heldout  # noqa: E402

from hegui.detect.refusal._cues import default_cues  # noqa: E402
from hegui.detect.refusal._features import FeatureLayout, featurize, named_features  # noqa: E402
from hegui.detect.refusal._judge import (  # noqa: E402
    CLASSES,
    RefusalJudge,
    RefusalModel,
    save_model,
)

HASH_BITS = 14
C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
THRESHOLD = 0.5
WEIGHTS_DIR = ROOT / "src" / "hegui" / "detect" / "refusal" / "weights"


def _matrix(pairs: Sequence[Pair], layout: FeatureLayout) -> sparse.csr_matrix:
    cues = default_cues()
    rows, cols, vals = [], [], []
    for i, pair in enumerate(pairs):
        for j, v in featurize(pair.prompt, pair.response, cues, layout).items():
            rows.append(i)
            cols.append(j)
            vals.append(v)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(pairs), layout.size))


def _fit(x: sparse.csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(x, y)
    return model


def _inner_val(pair: Pair) -> bool:
    digest = hashlib.sha1(f"val\x00{pair.prompt}\x00{pair.response}".encode()).hexdigest()
    return int(digest[:8], 16) < 0.2 * 0x1_0000_0000


def _refusal_accuracy(model: LogisticRegression, x: sparse.csr_matrix, y: np.ndarray) -> float:
    prob = model.predict_proba(x)
    none_col = list(model.classes_).index(0)
    pred = (1.0 - prob[:, none_col]) >= THRESHOLD
    return float(np.mean(pred == (y != 0)))


def _to_model(fitted: LogisticRegression, layout: FeatureLayout) -> RefusalModel:
    weights = np.zeros((layout.size, len(CLASSES)))
    bias = np.zeros(len(CLASSES))
    for k, cls in enumerate(fitted.classes_):
        weights[:, cls] = fitted.coef_[k]
        bias[cls] = fitted.intercept_[k]
    return RefusalModel(weights.astype(np.float32).astype(np.float64), bias, layout, THRESHOLD)


def _wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return (float("nan"), float("nan"))
    z = 1.96
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (mid - half, mid + half)


def _evaluate(judge: RefusalJudge, pairs: Sequence[Pair]) -> list[str]:
    """Markdown table rows: per source and language, refusal and kind accuracy."""
    groups: dict[tuple[str, str], list[Pair]] = {}
    for p in pairs:
        groups.setdefault((p.source, p.lang), []).append(p)
    lines = []
    for (source, lang), items in sorted(groups.items()):
        ok = kind_ok = 0
        for p in items:
            result = judge.judge(p.prompt, p.response)
            ok += result.refusal == p.refusal
            kind_ok += result.kind == p.kind
        lo, hi = _wilson(ok, len(items))
        lines.append(
            f"| {source} | {lang} | {len(items)} | {ok / len(items):.3f} ({lo:.3f}–{hi:.3f}) "
            f"| {kind_ok / len(items):.3f} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    args = parser.parse_args(argv)
    cues = default_cues()
    layout = FeatureLayout(named_features(cues), HASH_BITS)
    pairs = read_all_sources(args.datasets)
    train = [p for p in pairs if p.split == "train"]
    test = [p for p in pairs if p.split == "test"]
    y_all = np.array([CLASSES.index(p.kind) for p in train])
    x_all = _matrix(train, layout)
    val_mask = np.array([_inner_val(p) for p in train])
    scores = {}
    for c in C_GRID:
        fitted = _fit(x_all[~val_mask], y_all[~val_mask], c)
        scores[c] = _refusal_accuracy(fitted, x_all[val_mask], y_all[val_mask])
    best_c = max(C_GRID, key=lambda c: (scores[c], -c))
    print(f"inner validation refusal accuracy per C: {scores}; chosen C={best_c}")
    fitted = _fit(x_all, y_all, best_c)
    model = _to_model(fitted, layout)
    counts = Counter((p.source, p.lang, p.split, p.kind) for p in pairs)
    save_model(
        model,
        WEIGHTS_DIR,
        {
            "trained_on": date.today().isoformat(),
            "C": best_c,
            "train_rows": len(train),
            "cue_version": cues.version,
        },
    )
    judge = RefusalJudge()
    test_rows = _evaluate(judge, test)
    try:
        heldout_rows = _evaluate(judge, read_heldout())
    except FileNotFoundError:
        heldout_rows = ["| (held-out files not written yet) | | | | |"]
    _write_card(counts, scores, best_c, test_rows, heldout_rows)
    print("\n".join(test_rows + heldout_rows))


def _write_card(
    counts: Counter[tuple[str, str, str, str]],
    scores: dict[float, float],
    best_c: float,
    test_rows: list[str],
    heldout_rows: list[str],
) -> None:
    data_rows = [
        f"| {s} | {lang} | {split} | {kind} | {n} |"
        for (s, lang, split, kind), n in sorted(counts.items())
    ]
    header = (
        "| source | lang | n | refusal accuracy (95% Wilson) | kind accuracy |\n"
        "|---|---|---|---|---|"
    )
    text = (HERE / "MODEL_CARD.template.md").read_text(encoding="utf-8")
    text = text.format(
        data_table="| source | lang | split | kind | rows |\n|---|---|---|---|---|\n"
        + "\n".join(data_rows),
        c_scores=", ".join(f"C={c}: {a:.3f}" for c, a in scores.items()),
        best_c=best_c,
        hash_bits=HASH_BITS,
        threshold=THRESHOLD,
        test_table=header + "\n" + "\n".join(test_rows),
        heldout_table=header + "\n" + "\n".join(heldout_rows),
        date=date.today().isoformat(),
    )
    (HERE / "MODEL_CARD.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
