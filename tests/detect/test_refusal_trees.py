"""The refusal judge's tree ensemble walks each tree to the leaf its input row reaches."""

from __future__ import annotations

import numpy as np

from hegui.detect.refusal._trees import TreeEnsemble


def _two_trees() -> TreeEnsemble:
    # tree 0 (class 2): column 1 <= 0.5 -> leaf +2.0, else column 0 <= -1 -> -1.0 / +0.5
    # tree 1 (class 0): a single leaf, +0.3
    return TreeEnsemble(
        feature=np.array([1, 0, 0, 0, 0, 0]),
        threshold=np.array([0.5, np.inf, -1.0, np.inf, np.inf, np.inf]),
        left=np.array([1, 1, 3, 3, 4, 5]),
        right=np.array([2, 1, 4, 3, 4, 5]),
        value=np.array([0.0, 2.0, 0.0, -1.0, 0.5, 0.3]),
        roots=np.array([0, 5]),
        tree_class=np.array([2, 0]),
        baseline=np.array([0.1, 0.0, -0.1]),
    )


def _softmax(raw: list[float]) -> np.ndarray:
    exp = np.exp(np.array(raw) - max(raw))
    return exp / exp.sum()


def test_each_row_reaches_its_leaf_and_the_leaves_add_to_their_class() -> None:
    trees = _two_trees()
    np.testing.assert_allclose(
        trees.probabilities(np.array([0.0, 0.5])), _softmax([0.4, 0.0, 1.9])
    )  # 0.5 <= 0.5 goes left
    np.testing.assert_allclose(
        trees.probabilities(np.array([-2.0, 0.9])), _softmax([0.4, 0.0, -1.1])
    )
    np.testing.assert_allclose(trees.probabilities(np.array([3.0, 0.9])), _softmax([0.4, 0.0, 0.4]))


def test_arrays_round_trip_and_shapes_are_checked() -> None:
    trees = _two_trees()
    again = TreeEnsemble.from_arrays(trees.arrays())
    np.testing.assert_allclose(
        again.probabilities(np.array([3.0, 0.9])), trees.probabilities(np.array([3.0, 0.9]))
    )
    assert trees.fits(2, 3)
    assert not trees.fits(1, 3)  # a split reads column 1
    assert not trees.fits(2, 2)  # a tree scores class 2
