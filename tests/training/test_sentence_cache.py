"""Cross-validation's sentence scores are kept on disk and reused only for the same data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training" / "refusal"))

import crossval
from crossval import SentenceScores
from design import Design

from support.refusal_pairs import toy_design


def _design(tmp_path: Path, flip: bool = False) -> Design:
    return toy_design(tmp_path, ("alpha", "beta", "gamma"), flip)


def test_scores_are_stored_and_reused_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    design = _design(tmp_path)
    left_out = frozenset({"alpha"})
    first = SentenceScores(design, tmp_path / "sentences").without(left_out)
    assert list((tmp_path / "sentences").rglob("*.npy"))

    def no_fit(*_: object) -> None:
        raise AssertionError("refitted although the scores were on disk")

    monkeypatch.setattr(crossval, "fit_sentences", no_fit)
    again = SentenceScores(design, tmp_path / "sentences").without(left_out)
    assert np.array_equal(first, again)


def test_changed_labels_are_not_served_stale_scores(tmp_path: Path) -> None:
    SentenceScores(_design(tmp_path), tmp_path / "sentences").without(frozenset({"beta"}))
    changed = SentenceScores(_design(tmp_path, flip=True), tmp_path / "sentences")
    changed.without(frozenset({"beta"}))
    assert len(list((tmp_path / "sentences").iterdir())) == 2


@pytest.mark.parametrize(
    ("setting", "value"),
    [("SENTENCE_RECIPE", "partials: every sentence declines"), ("REPICK_ROUNDS", 1)],
)
def test_a_changed_sentence_recipe_is_not_served_stale_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: object
) -> None:
    SentenceScores(_design(tmp_path), tmp_path / "sentences").without(frozenset({"beta"}))
    monkeypatch.setattr(crossval, setting, value)
    SentenceScores(_design(tmp_path), tmp_path / "sentences").without(frozenset({"beta"}))
    assert len(list((tmp_path / "sentences").iterdir())) == 2
