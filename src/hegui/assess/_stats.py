"""The statistics the reports compare with: two-proportion tests and Cohen's kappa (Wilson
intervals: :mod:`hegui.stats`)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test; 1.0 when it is undefined."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa between two labelings of the same items; ``None`` when undefined.

    Undefined means no items, or both raters used one and the same label for everything
    (chance agreement is 1); the caller reports raw agreement instead.
    """
    n = len(first)
    if n == 0 or n != len(second):
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    counts_a, counts_b = Counter(first), Counter(second)
    expected = sum(counts_a[label] * counts_b[label] for label in counts_a) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)
