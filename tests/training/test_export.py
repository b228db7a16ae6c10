"""The judge scores like the scikit-learn fits its weights were exported from."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training" / "refusal"))

from crossval import SentenceScores, answer_matrix, fit_final, pair_languages
from design import Design
from train_refusal import _to_model

from hegui.detect.refusal import RefusalJudge
from hegui.detect.refusal._judge import save_model
from hegui.errors import HeguiError
from support.refusal_pairs import toy_design


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Design, np.ndarray, Path]:
    """A toy design, the fitted pair's class probabilities for its pairs (sentence features
    from the final sentence model, as the judge computes them), and the exported weights."""
    tmp = tmp_path_factory.mktemp("export")
    design = toy_design(tmp, ("alpha", "beta", "gamma", "delta"))
    answers, sentence = fit_final(design, SentenceScores(design), 8.0)
    assert answers.network is not None  # the shipped recipe averages in the network
    assert answers.trees is not None  # and the trees
    sentence_probs = sentence.predict_proba(design.sentences)[:, 1]
    expected = answers.probabilities(answer_matrix(design, sentence_probs), pair_languages(design))
    folder = tmp / "weights"
    save_model(_to_model(answers, sentence, design, 0.5), folder, {})
    return design, expected, folder


def test_the_judge_with_the_network_scores_like_the_fitted_pair(
    exported: tuple[Design, np.ndarray, Path],
) -> None:
    design, expected, folder = exported
    judge = RefusalJudge(weights=folder)
    assert judge.model.network is not None
    assert judge.model.trees is not None
    scores = [judge.judge(p.prompt, p.response).score for p in design.pairs]
    # float32 weights and a fresh e5 pass: equal to rounding
    np.testing.assert_allclose(scores, expected[:, 1] + expected[:, 2], atol=1e-4)


def _with_array_changed(
    folder: Path, to: Path, name: str, change: Callable[[np.ndarray], np.ndarray]
) -> Path:
    """A copy of the weights in ``folder`` written to ``to``, array ``name`` replaced by
    ``change`` of it."""
    with np.load(folder / "refusal.npz") as arrays:
        changed = {key: arrays[key] for key in arrays.files}
    changed[name] = change(changed[name])
    np.savez(to / "refusal.npz", **changed)
    (to / "refusal.json").write_text((folder / "refusal.json").read_text("utf-8"), "utf-8")
    return to


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("network_output_bias", lambda _: np.zeros(2, dtype=np.float32)),  # wrong shape
        ("trees_left", lambda left: left + left.size),  # children outside the nodes
    ],
)
def test_malformed_network_or_tree_arrays_are_rejected(
    exported: tuple[Design, np.ndarray, Path],
    tmp_path: Path,
    name: str,
    change: Callable[[np.ndarray], np.ndarray],
) -> None:
    _, _, folder = exported
    with pytest.raises(HeguiError, match="do not match"):
        RefusalJudge(weights=_with_array_changed(folder, tmp_path, name, change))


def test_a_weights_file_that_names_a_network_it_lacks_is_rejected(
    exported: tuple[Design, np.ndarray, Path], tmp_path: Path
) -> None:
    _, _, folder = exported
    with np.load(folder / "refusal.npz") as arrays:
        kept = {name: arrays[name] for name in arrays.files if not name.startswith("network_")}
    np.savez(tmp_path / "refusal.npz", **kept)
    info = json.loads((folder / "refusal.json").read_text("utf-8"))
    assert info["network"] == {"hidden_units": 128, "activation": "relu"}
    (tmp_path / "refusal.json").write_text(json.dumps(info), "utf-8")
    with pytest.raises(HeguiError, match="cannot read refusal weights"):
        RefusalJudge(weights=tmp_path)


def test_weights_trained_with_another_ask_harm_model_are_rejected(
    exported: tuple[Design, np.ndarray, Path], tmp_path: Path
) -> None:
    """The ask-harm model scores the asks an answer leaves out; weights whose features came
    from another one would be scored with shifted features, so they must be retrained."""
    _, _, folder = exported
    (tmp_path / "refusal.npz").write_bytes((folder / "refusal.npz").read_bytes())
    info = json.loads((folder / "refusal.json").read_text("utf-8"))
    assert info["ask_harm"]["model"] == "ask_harm"
    info["ask_harm"]["sha256"] = "0" * 16
    (tmp_path / "refusal.json").write_text(json.dumps(info), "utf-8")
    with pytest.raises(HeguiError, match="another ask-harm model") as raised:
        RefusalJudge(weights=tmp_path)
    assert "重新训练" in raised.value.zh


@pytest.fixture(scope="module")
def exported_per_language(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Design, np.ndarray, np.ndarray, Path]:
    """As ``exported``, two writers in English and two in Chinese, with a logistic part per
    language; also the fit's probabilities with every pair sent to the other language's part."""
    tmp = tmp_path_factory.mktemp("export_per_language")
    design = toy_design(tmp, ("alpha", "beta", "gamma", "delta"), chinese=("gamma", "delta"))
    answers, sentence = fit_final(design, SentenceScores(design), 8.0, per_language=True)
    assert answers.per_language is not None
    assert all(model is not answers.logistic for model in answers.per_language)
    x = answer_matrix(design, sentence.predict_proba(design.sentences)[:, 1])
    languages = pair_languages(design)
    assert sorted(set(languages)) == [0, 1]
    expected = answers.probabilities(x, languages)
    swapped = answers.probabilities(x, 1 - languages)
    folder = tmp / "weights"
    save_model(_to_model(answers, sentence, design, 0.5), folder, {})
    return design, expected, swapped, folder


def test_the_judge_scores_each_pair_with_its_own_languages_part(
    exported_per_language: tuple[Design, np.ndarray, np.ndarray, Path],
) -> None:
    design, expected, swapped, folder = exported_per_language
    judge = RefusalJudge(weights=folder)
    assert judge.model.per_language is not None
    scores = np.array([judge.judge(p.prompt, p.response).score for p in design.pairs])
    np.testing.assert_allclose(scores, expected[:, 1] + expected[:, 2], atol=1e-4)
    # routed to the other language's part, some pair would score visibly otherwise
    assert np.abs(scores - (swapped[:, 1] + swapped[:, 2])).max() > 1e-3


def test_weights_whose_per_language_parts_name_other_languages_are_rejected(
    exported_per_language: tuple[Design, np.ndarray, np.ndarray, Path], tmp_path: Path
) -> None:
    _, _, _, folder = exported_per_language
    (tmp_path / "refusal.npz").write_bytes((folder / "refusal.npz").read_bytes())
    info = json.loads((folder / "refusal.json").read_text("utf-8"))
    info["per_language"]["languages"] = ["zh", "en"]
    (tmp_path / "refusal.json").write_text(json.dumps(info), "utf-8")
    with pytest.raises(HeguiError, match="do not match"):
        RefusalJudge(weights=tmp_path)


def test_malformed_per_language_arrays_are_rejected(
    exported_per_language: tuple[Design, np.ndarray, np.ndarray, Path], tmp_path: Path
) -> None:
    _, _, _, folder = exported_per_language
    changed = _with_array_changed(folder, tmp_path, "language_bias", lambda bias: bias[:1])
    with pytest.raises(HeguiError, match="do not match"):
        RefusalJudge(weights=changed)
