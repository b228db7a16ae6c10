"""The band experiment's out-of-fold rows are the cross-validation's, and are kept on disk."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training" / "refusal"))

import band_model
from crossval import (
    SentenceScores,
    _fold_sentence_scores,
    answer_matrix,
    leave_one_writer_out,
    writer_folds,
)

from support.refusal_pairs import toy_design


def test_each_pair_gets_its_folds_probabilities_and_matrix_row(tmp_path: Path) -> None:
    design = toy_design(tmp_path, ("alpha", "beta", "gamma", "delta"))
    folds = writer_folds(design.writers, 3)
    scores = SentenceScores(design)
    probs, matrix = band_model.out_of_fold(design, scores, folds, 8.0, workers=2)
    expected = leave_one_writer_out(design, SentenceScores(design), [8.0], folds=folds)[8.0]
    assert np.allclose(probs, expected)
    for fold in folds:
        rows = np.isin(design.writers, list(fold))
        fold_matrix = answer_matrix(design, _fold_sentence_scores(scores, folds, fold))
        assert abs(fold_matrix[rows] - matrix[rows]).max() == 0.0
    # another fold's matrix scores these rows' sentences with other models: not the same rows
    first = np.isin(design.writers, list(folds[0]))
    other = answer_matrix(design, _fold_sentence_scores(scores, folds, folds[1]))
    assert abs(other[first] - matrix[first]).max() > 0.0


def test_a_second_run_reads_the_rows_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(band_model, "BAND_CACHE", tmp_path / "band")
    design = toy_design(tmp_path, ("alpha", "beta", "gamma"))
    folds = writer_folds(design.writers, 3)
    first = band_model.cached_out_of_fold(design, SentenceScores(design), folds, 8.0, 1)

    def no_fit(*_: object) -> None:
        raise AssertionError("refitted although the rows were on disk")

    monkeypatch.setattr(band_model, "out_of_fold", no_fit)
    again = band_model.cached_out_of_fold(design, SentenceScores(design), folds, 8.0, 1)
    assert np.array_equal(first[0], again[0])
    assert abs(first[1] - again[1]).max() == 0.0
    with pytest.raises(AssertionError, match="refitted"):
        band_model.cached_out_of_fold(design, SentenceScores(design), folds, 2.0, 1)
