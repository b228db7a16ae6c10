"""Seeded uniform sampling that gives the same documents in any order, on any engine.

Every document gets a 128-bit key from a hash of the seed and its place (file and line or
row). A sample rate *R* scans the documents whose key, as a fraction of 2**128, is below *R*
(each with probability *R*, independently). A sample of *n* keeps the *n* smallest keys — a
reservoir for a stream of unknown size whose content does not depend on the order the
documents arrive in, so shards can be sampled separately and merged, and a resumed or
distributed run draws the same sample.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

KEY_SPACE = 2**128


def document_key(seed: int, file: str, number: int) -> int:
    """The document's sampling key in ``[0, KEY_SPACE)`` (module docstring)."""
    digest = hashlib.blake2b(
        f"{seed}\0{file}\0{number}".encode("utf-8", "surrogatepass"), digest_size=16
    ).digest()
    return int.from_bytes(digest, "big")


def below_rate(key: int, rate: float) -> bool:
    """Whether a document with ``key`` is in a sample of rate ``rate``."""
    return key < rate * KEY_SPACE


@dataclass
class Reservoir(Generic[T]):
    """The ``size`` items with the smallest keys offered so far."""

    size: int
    _heap: list[tuple[int, int, T]] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def offer(self, key: int, item: T) -> None:
        # heapq is a min-heap: keys are negated so the largest kept key is on top; the
        # sequence number keeps items from ever being compared.
        entry = (-key, next(self._seq), item)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, entry)
        elif -key > self._heap[0][0]:
            heapq.heapreplace(self._heap, entry)

    def extend(self, entries: Iterable[tuple[int, T]]) -> None:
        for key, item in entries:
            self.offer(key, item)

    def entries(self) -> list[tuple[int, T]]:
        """The kept ``(key, item)`` by increasing key."""
        return sorted(((-neg, item) for neg, _, item in self._heap), key=lambda e: e[0])
