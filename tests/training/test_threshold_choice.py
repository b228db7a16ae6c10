"""The refusal threshold moves away from 0.5 only on a gain that is more than noise."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training" / "refusal"))

from train_refusal import beats_default


def _calls(n: int, wrong_default: list[int], wrong_new: list[int]) -> tuple[np.ndarray, np.ndarray]:
    default = np.ones(n, dtype=bool)
    default[wrong_default] = False
    new = np.ones(n, dtype=bool)
    new[wrong_new] = False
    return new, default


def test_a_one_pair_win_keeps_the_default() -> None:
    new, default = _calls(5000, wrong_default=[1, 2, 3], wrong_new=[1, 2])
    assert not beats_default(new, default)


def test_a_win_bought_with_as_many_new_errors_keeps_the_default() -> None:
    # 40 pairs fixed, 30 broken: net +10 over 70 disagreements (2 * sqrt(70) = 16.7)
    new, default = _calls(5000, wrong_default=list(range(40)), wrong_new=list(range(100, 130)))
    assert not beats_default(new, default)


def test_a_clear_win_moves_the_threshold() -> None:
    # 40 pairs fixed, 5 broken: net +35 over 45 disagreements (2 * sqrt(45) = 13.4)
    new, default = _calls(5000, wrong_default=list(range(40)), wrong_new=list(range(100, 105)))
    assert beats_default(new, default)


def test_a_loss_never_moves_the_threshold() -> None:
    new, default = _calls(5000, wrong_default=[], wrong_new=list(range(50)))
    assert not beats_default(new, default)
