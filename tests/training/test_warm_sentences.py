"""Sentence models fitted ahead by warm_sentences.py are the ones the training run reads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training" / "refusal"))

import crossval
from crossval import (
    SentenceScores,
    final_left_outs,
    sentence_key,
    sentence_scores_per_fold,
    writer_folds,
)
from design import build
from warm_sentences import left_outs

from hegui.detect.refusal._cues import default_cues
from support.refusal_pairs import toy_design

WRITERS = ("alpha", "beta", "gamma", "delta")


def forbid_sentence_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any sentence-model fit fail: from here on only the warmed cache may serve."""

    def no_fit(*_: object) -> None:
        raise AssertionError("a sentence model the warm-up left out was fitted")

    monkeypatch.setattr(crossval, "fit_sentences", no_fit)


def test_warmed_models_serve_the_cross_validation_and_the_final_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    design = toy_design(tmp_path, WRITERS)
    folds = writer_folds(design.writers, 3)  # one fold holds two writers
    cache = tmp_path / "sentences"
    SentenceScores(design, cache).prefetch(left_outs(folds, list(design.writers)), 1)
    forbid_sentence_fits(monkeypatch)
    scores = SentenceScores(design, cache)
    sentence_scores_per_fold(design, scores, folds, (0.0, 0.0), 1)
    scores.out_of_fold(final_left_outs(design.writers), frozenset())


def test_a_design_built_without_embeddings_shares_the_sentence_cache(tmp_path: Path) -> None:
    design = toy_design(tmp_path, WRITERS)
    bare = build(design.pairs, default_cues(), 8, 8, tmp_path / "embeddings", embed=False)
    assert sentence_key(bare) == sentence_key(design)
    assert not bare.embeddings.any()
    assert bare.embeddings.shape == design.embeddings.shape


def test_folds_only_warms_what_an_ablation_reads_and_no_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    design = toy_design(tmp_path, WRITERS)
    folds = writer_folds(design.writers, 3)
    cache = tmp_path / "sentences"
    SentenceScores(design, cache).prefetch(left_outs(folds, []), 1)
    forbid_sentence_fits(monkeypatch)
    scores = SentenceScores(design, cache)
    sentence_scores_per_fold(design, scores, folds, (0.0, 0.0), 1)
    with pytest.raises(AssertionError, match="fitted"):
        scores.out_of_fold(final_left_outs(design.writers), frozenset())
