"""The statistics behind every reported figure, and seeded stratified sampling."""

from __future__ import annotations

import pytest
from assess_support import MINI

from hegui.assess import load_banks, load_suite
from hegui.assess._sample import draw
from hegui.assess._stats import cohen_kappa, two_proportion_p


def test_two_proportion_test() -> None:
    assert two_proportion_p(50, 100, 50, 100) == pytest.approx(1.0)
    assert two_proportion_p(90, 100, 70, 100) == pytest.approx(0.000407, abs=1e-6)  # z = 3.536
    assert two_proportion_p(0, 0, 3, 10) == 1.0


def test_cohen_kappa() -> None:
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "a", "b", "b"]) == pytest.approx(1.0)
    assert cohen_kappa(["a", "b", "a", "b"], ["a", "a", "b", "b"]) == pytest.approx(0.0)
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None


def test_draw_is_seeded_and_spread_over_risks() -> None:
    bank = load_banks(load_suite(MINI))
    items = next(iter(bank.values())).items
    first, again, other = draw(items, 6, 1), draw(items, 6, 1), draw(items, 6, 2)
    assert first == again and first != other
    assert sorted(i.risk for i in first) == ["A1.6", "A1.6", "A1.8", "A1.8", "A2.5", "A2.5"]
    assert draw(items, 100, 1) == list(items)
