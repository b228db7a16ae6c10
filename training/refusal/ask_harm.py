"""The refusal judge's ask-harm model (:mod:`hegui.detect.refusal._harm`): data, fit, and the
scores the training design reads.

    OMP_NUM_THREADS=1 .venv/bin/python training/refusal/ask_harm.py [--datasets PATH]

The examples are the asks (:mod:`hegui.detect.refusal._asks`) of the hand-written prompts whose
writer tagged the prompt's harm (``harm_benign`` / ``harm_harmful`` in ``pattern``): every ask
of a harmless prompt is harmless, and the one ask of a harmful single-ask prompt is harmful.
The asks of a harmful prompt with two or more are left out (which of them is the harmful one is
not recorded), and so are borderline prompts. Run as a script, this fits the model on every
example, writes it beside the refusal weights, and prints (and records in its json file) how
well it tells harmful asks from harmless ones scored across writer groups (each by a model
fitted without its writers' group), beside the detection tier's n-gram classifier on the same
asks.

The training design must not score an ask with a model that saw it: a pair's harm features would
then be sharper in training than on a new writer's prompts, and the judge would lean on them.
:func:`cross_fitted` gives each pair the model fitted without its writer's group (the same
six groups as the shipped cross-validation), as :class:`crossval.SentenceScores` does for the
sentence model.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
from crossval import writer_folds
from readers import DATASETS, Pair, is_hand_written, read_all_sources
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from hegui.detect._types import Role
from hegui.detect.classifier._ngram import NgramClassifier
from hegui.detect.refusal._asks import ask_link
from hegui.detect.refusal._cues import normalize
from hegui.detect.refusal._harm import AskHarm, AskHarmModel, save_ask_harm

_CJK = re.compile(r"[\u4e00-\u9fff]")
NGRAMS = (1, 4)
BITS = 16
"""Hash buckets: 2**16 separated the asks as well as 2**18 (2026-12-06), in a quarter the size."""
C = 4.0
"""L2 strength, not tuned."""
GROUPS = 6
"""Writer groups the training design's ask scores are cross-fitted over (see the docstring)."""


@dataclass(frozen=True, slots=True)
class AskExample:
    """One ask, its label (harmful or not) and every writer whose prompt has it."""

    text: str
    harmful: bool
    writers: frozenset[str]


def prompt_asks(prompt: str) -> tuple[str, ...]:
    """The asks of ``prompt`` as the judge reads them (normalised texts)."""
    return ask_link(normalize(prompt), []).ask_texts


def _harm_tag(pair: Pair) -> str | None:
    tags = [t for t in pair.pattern if isinstance(t, str) and t.startswith("harm_")]
    return tags[0] if tags else None


def ask_examples(pairs: Iterable[Pair]) -> list[AskExample]:
    """The labelled asks of the hand-written ``pairs`` (see the module docstring), one per
    distinct text; a text labelled both ways is left out."""
    labels: dict[str, set[bool]] = {}
    writers: dict[str, set[str]] = {}
    for pair in pairs:
        tag = _harm_tag(pair)
        if not is_hand_written(pair.writer) or tag not in ("harm_benign", "harm_harmful"):
            continue
        asks = prompt_asks(pair.prompt)
        if tag == "harm_harmful" and len(asks) != 1:
            continue
        for ask in asks:
            labels.setdefault(ask, set()).add(tag == "harm_harmful")
            writers.setdefault(ask, set()).add(pair.writer)
    return [
        AskExample(text, next(iter(found)), frozenset(writers[text]))
        for text, found in labels.items()
        if len(found) == 1
    ]


def fit(examples: Sequence[AskExample]) -> AskHarmModel:
    """The ask-harm model fitted on ``examples``."""
    shape = AskHarmModel(np.zeros(1 << BITS, dtype=np.float32), 0.0, *NGRAMS, BITS)
    x = shape.features([e.text for e in examples])
    y = np.array([e.harmful for e in examples])
    model = LogisticRegression(C=C, max_iter=2000).fit(x, y)
    return AskHarmModel(
        model.coef_[0].astype(np.float32), float(model.intercept_[0]), *NGRAMS, BITS
    )


def fold_models(
    examples: Sequence[AskExample], folds: Sequence[frozenset[str]]
) -> tuple[tuple[AskHarmModel, ...], dict[str, int]]:
    """Per fold, the model fitted without the examples of any of its writers; and each
    writer's fold. Fitted once per process for the same examples and folds: the trainer asks
    for them twice (:func:`held_out_auc`, then :func:`cross_fitted` for the design)."""
    models = _fold_models(tuple(examples), tuple(folds))
    return models, {writer: k for k, fold in enumerate(folds) for writer in fold}


@cache
def _fold_models(
    examples: tuple[AskExample, ...], folds: tuple[frozenset[str], ...]
) -> tuple[AskHarmModel, ...]:
    return tuple(fit([e for e in examples if not e.writers & fold]) for fold in folds)


def cross_fitted(
    pairs: Sequence[Pair], examples: Sequence[AskExample], folds: Sequence[frozenset[str]]
) -> list[AskHarm]:
    """Per pair: the ask-harm model fitted without the examples of any writer in the pair's
    fold (``folds``: writer groups covering every pair's writer)."""
    models, fold_of = fold_models(examples, folds)
    return [models[fold_of[p.writer]] for p in pairs]


def _lang(ask: str) -> str:
    return "zh" if _CJK.search(ask) else "en"


def held_out_auc(
    examples: Sequence[AskExample], folds: Sequence[frozenset[str]]
) -> dict[str, dict[str, float | int]]:
    """Per language: the AUC of the ask-harm model on the examples, each scored by the model
    fitted without its writers' group, and of the detection tier's n-gram classifier on the
    same asks, with the number of asks."""
    models, fold_of = fold_models(examples, folds)
    held_out = np.zeros(len(examples))
    for k, model in enumerate(models):
        mine = [i for i, e in enumerate(examples) if fold_of[min(e.writers)] == k]
        held_out[mine] = model.many([examples[i].text for i in mine])
    detector = NgramClassifier()
    out: dict[str, dict[str, float | int]] = {}
    for lang in ("en", "zh"):
        rows = [i for i, e in enumerate(examples) if _lang(e.text) == lang]
        truth = [examples[i].harmful for i in rows]
        ngram = [detector.unsafe_probability(examples[i].text, Role.PROMPT) for i in rows]
        out[lang] = {
            "asks": len(rows),
            "auc": round(float(roc_auc_score(truth, held_out[rows])), 3),
            "detection_ngram_auc": round(float(roc_auc_score(truth, ngram)), 3),
        }
    return out


def fit_and_save(pairs: list[Pair]) -> None:
    """Fit the model on the examples of ``pairs``, write it beside the refusal weights with its
    held-out AUC, and print the figures (``train_refusal.py`` calls this with the pairs it
    trains on, so both read the same sources once)."""
    from train_refusal import WEIGHTS_DIR  # the refusal trainer imports this module

    examples = ask_examples(pairs)
    counts = Counter(e.harmful for e in examples)
    auc = held_out_auc(examples, writer_folds([p.writer for p in pairs], GROUPS))
    save_ask_harm(
        fit(examples),
        WEIGHTS_DIR,
        {
            "trained_on": date.today().isoformat(),
            "C": C,
            "examples": {"harmful": counts[True], "harmless": counts[False]},
            "held_out_auc": auc,
        },
    )
    print(f"ask-harm model: {counts[True]} harmful and {counts[False]} harmless asks; {auc}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    fit_and_save(read_all_sources(parser.parse_args(argv).datasets))


if __name__ == "__main__":
    main()
