"""Cross-validation: writer folds, and each fold's most refusing sentences embedded up front."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training" / "refusal"))

from crossval import SentenceScores, leave_one_writer_out, writer_folds
from design import Design
from train_refusal import folds_of

from hegui.detect.classifier import _embedding
from support.refusal_pairs import toy_design


def _design(tmp_path: Path) -> Design:
    return toy_design(tmp_path, ("alpha", "beta", "gamma", "delta"))


def _log_embedded(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Record every text this process, or a fork of it, asks the e5 model to embed."""
    real = _embedding.embed

    def logged(texts: list[str]) -> np.ndarray:
        with log.open("a", encoding="utf-8") as out:
            out.writelines(text.replace("\n", " ") + "\n" for text in texts)
        return real(texts)

    monkeypatch.setattr(_embedding, "embed", logged)


def test_folds_side_by_side_embed_nothing_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    design = _design(tmp_path)
    before = len(list(design.cache.rglob("*.npy")))
    log = tmp_path / "embedded.txt"
    log.touch()
    _log_embedded(monkeypatch, log)  # the folds are forked and see this; the embedders are not
    leave_one_writer_out(design, SentenceScores(design), [8.0], workers=2)
    assert log.read_text(encoding="utf-8") == "", "a fold embedded a sentence itself"
    assert len(list(design.cache.rglob("*.npy"))) > before


def test_two_workers_give_the_one_worker_probabilities(tmp_path: Path) -> None:
    design = _design(tmp_path)
    serial = leave_one_writer_out(design, SentenceScores(design), [8.0], workers=1)[8.0]
    parallel = leave_one_writer_out(design, SentenceScores(design), [8.0], workers=2)[8.0]
    assert np.array_equal(serial, parallel)


def test_writer_folds_deal_every_writer_into_exactly_one_fold() -> None:
    writers = ["e", "a", "d", "b", "c", "a"]
    assert writer_folds(writers) == [frozenset({w}) for w in "abcde"]
    folds = writer_folds(writers, 3)
    assert folds == [frozenset({"a", "d"}), frozenset({"b", "e"}), frozenset({"c"})]
    for groups in (2, 6):
        with pytest.raises(ValueError, match="groups"):
            writer_folds(writers, groups)


def test_group_folds_hold_out_a_whole_group_and_singletons_are_leave_one_writer_out(
    tmp_path: Path,
) -> None:
    design = _design(tmp_path)
    scores = SentenceScores(design)
    one_each = leave_one_writer_out(design, scores, [8.0])[8.0]
    singletons = writer_folds(design.writers, 4)
    assert np.array_equal(
        leave_one_writer_out(design, scores, [8.0], folds=singletons)[8.0], one_each
    )
    # with its fold partners held out too, a writer's pairs are scored differently
    grouped = leave_one_writer_out(design, scores, [8.0], folds=writer_folds(design.writers, 3))
    assert not np.allclose(grouped[8.0], one_each)


def test_a_group_count_the_writers_cannot_fill_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    design = _design(tmp_path)
    parser = argparse.ArgumentParser(prog="compare_embeddings.py")
    assert folds_of(parser, design, 3) == writer_folds(design.writers, 3)
    with pytest.raises(SystemExit) as stopped:
        folds_of(parser, design, 5)
    assert stopped.value.code == 2
    assert "--groups 5: groups must be between 3 and the number of writers (4)" in (
        capsys.readouterr().err
    )
