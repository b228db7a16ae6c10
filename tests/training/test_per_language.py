"""The per-language logistic parts: measured on the same folds as the joint recipe, and kept
only on a gain beyond the noise."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training" / "refusal"))

from crossval import (
    JOINT_MEMBERS,
    MEMBERS,
    SentenceScores,
    cross_validated_members,
    labels,
    leave_one_writer_out,
    mean_of,
)
from design import Design
from train_refusal import choose_per_language

from hegui.detect.refusal._judge import CLASSES
from support.refusal_pairs import toy_design


@pytest.fixture(scope="module")
def design(tmp_path_factory: pytest.TempPathFactory) -> Design:
    tmp = tmp_path_factory.mktemp("per_language")
    return toy_design(tmp, ("alpha", "beta", "gamma", "delta"), chinese=("gamma", "delta"))


def test_both_recipes_come_from_one_run_on_the_same_folds(design: Design) -> None:
    scores = SentenceScores(design)
    members = cross_validated_members(design, scores, [8.0], per_language=True)[8.0]
    assert set(members) == set(MEMBERS)
    joint = leave_one_writer_out(design, scores, [8.0])[8.0]
    np.testing.assert_allclose(mean_of(members, JOINT_MEMBERS), joint)
    with_parts = leave_one_writer_out(design, scores, [8.0], per_language=True)[8.0]
    np.testing.assert_allclose(mean_of(members, MEMBERS), with_parts)
    assert not np.allclose(with_parts, joint)


def _members(design: Design, own_right: int) -> dict[str, np.ndarray]:
    """Joint parts that call every pair "none", and a per-language part that makes the mean of
    all four the true class on the first ``own_right`` pairs and "none" elsewhere."""
    none = np.zeros((len(design.pairs), len(CLASSES)))
    none[:, 0] = 1.0
    own = none.copy()
    truth = labels(design)
    for i in range(own_right):
        own[i] = 0.0
        own[i, truth[i]] = 1.0
    return {"logistic": none, "network": none, "trees": none, "per_language": own * 4 - none * 3}


def test_the_per_language_parts_are_kept_only_on_a_clear_gain(design: Design) -> None:
    refusals = int((labels(design) != 0).sum())
    assert refusals >= 12  # enough pairs for a clear gain to be possible
    kept, shares, (gained, lost) = choose_per_language(design, _members(design, len(design.pairs)))
    assert kept and lost == 0 and gained == refusals
    assert shares["per-language"] == [1.0, 1.0]
    # one refusal right more is a gain within the noise
    first_refusal = int(np.flatnonzero(labels(design) != 0)[0])
    kept, _, (gained, lost) = choose_per_language(design, _members(design, first_refusal + 1))
    assert not kept and (gained, lost) == (1, 0)
