"""Gradient-boosted trees of the refusal answer model, scored with numpy.

The trees read the answer's named features (cue, structure, ask and sentence-score features)
and its e5 embedding, not the hashed n-grams; they are fitted by scikit-learn's
``HistGradientBoostingClassifier`` (see ``training/refusal``) and exported as flat node arrays,
so the judge needs neither scikit-learn nor pickle. All trees are walked together, one level
per step; a leaf points to itself, so the walk ends when no tree moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from hegui.detect.refusal._layers import softmax

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TreeEnsemble:
    """Trees over ``[named features | e5 embedding]``; each adds its leaf's value to the raw
    score of its class, the class probabilities are the softmax of ``baseline`` plus those."""

    feature: IntArray  # (nodes,): the input column a split reads
    threshold: FloatArray  # (nodes,): a value at or below it goes left
    left: IntArray  # (nodes,): the left child; a leaf's is itself
    right: IntArray  # (nodes,): the right child; a leaf's is itself
    value: FloatArray  # (nodes,): a leaf's raw score (0 on splits)
    roots: IntArray  # (trees,): each tree's first node
    tree_class: IntArray  # (trees,): the class each tree scores
    baseline: FloatArray  # (classes,): the raw score before any tree

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """The arrays under their names in a weights file (``trees_`` + field name)."""
        return {f"trees_{f.name}": getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> TreeEnsemble:
        """The ensemble :meth:`arrays` wrote (``KeyError`` when an array is missing)."""

        def ints(name: str) -> IntArray:
            return np.asarray(arrays[f"trees_{name}"], dtype=np.int64)

        def floats(name: str) -> FloatArray:
            return np.asarray(arrays[f"trees_{name}"], dtype=np.float64)

        return cls(
            ints("feature"),
            floats("threshold"),
            ints("left"),
            ints("right"),
            floats("value"),
            ints("roots"),
            ints("tree_class"),
            floats("baseline"),
        )

    def fits(self, n_inputs: int, n_classes: int) -> bool:
        """Whether the arrays make trees over ``n_inputs`` columns and ``n_classes`` classes."""
        nodes = self.feature.shape
        same = all(
            a.ndim == 1 and a.shape == nodes
            for a in (self.threshold, self.left, self.right, self.value)
        )
        if not same or self.roots.shape != self.tree_class.shape or not nodes[0]:
            return False
        links = np.concatenate([self.left, self.right, self.roots])
        return bool(
            self.baseline.shape == (n_classes,)
            and links.min() >= 0
            and links.max() < nodes[0]
            and self.feature.min() >= 0
            and self.feature.max() < n_inputs
            and self.tree_class.min() >= 0
            and self.tree_class.max() < n_classes
        )

    def probabilities(self, inputs: FloatArray) -> FloatArray:
        """Class probabilities for one row ``inputs``."""
        node = self.roots
        for _ in range(self.feature.size):  # bounded: a malformed file must not loop forever
            goes_left = inputs[self.feature[node]] <= self.threshold[node]
            following = np.where(goes_left, self.left[node], self.right[node])
            if np.array_equal(following, node):  # every tree on its leaf
                break
            node = following
        raw = self.baseline + np.bincount(
            self.tree_class, weights=self.value[node], minlength=self.baseline.size
        )
        return softmax(raw)
