"""Cross-validation embeds the folds' most refusing sentences once, before the folds run."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training" / "refusal"))

from crossval import SentenceScores, leave_one_writer_out
from design import Design

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
