"""Drawing a run's items from a bank: reproducible with a seed, stratified by risk or aspect."""

from __future__ import annotations

import random
from collections import defaultdict

from hegui.assess._bank import BankItem


def draw(items: tuple[BankItem, ...], n: int, seed: int) -> list[BankItem]:
    """``n`` items (all of them when the bank is smaller), spread over topics by their share.

    Each risk (or aspect) gets its proportional share of ``n`` by largest remainder, at least
    one item when ``n`` allows, then a seeded random choice within it; the same bank, ``n`` and
    ``seed`` always give the same items, in bank order.
    """
    if n >= len(items):
        return list(items)
    strata: dict[str, list[BankItem]] = defaultdict(list)
    for item in items:
        strata[item.topic()].append(item)
    names = sorted(strata)
    shares = {name: n * len(strata[name]) / len(items) for name in names}
    quota = {name: int(shares[name]) for name in names}
    if n >= len(names):
        for name in names:
            quota[name] = max(quota[name], 1)
    by_remainder = sorted(names, key=lambda name: (quota[name] - shares[name], name))
    index = 0
    while sum(quota.values()) < n:
        name = by_remainder[index % len(names)]
        if quota[name] < len(strata[name]):
            quota[name] += 1
        index += 1
    while sum(quota.values()) > n:
        name = max(names, key=lambda k: (quota[k] - shares[k], k))
        quota[name] -= 1
    rng = random.Random(seed)
    chosen: set[str] = set()
    for name in names:
        chosen.update(item.id for item in rng.sample(strata[name], quota[name]))
    return [item for item in items if item.id in chosen]
