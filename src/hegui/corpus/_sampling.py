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
from typing import Any, Generic, TypeVar

T = TypeVar("T")

KEY_SPACE = 2**128


def document_key(seed: int, file: str, number: int) -> int:
    """The document's sampling key in ``[0, KEY_SPACE)`` (module docstring)."""
    return FileKeys(seed, file)(number)


class FileKeys:
    """The sampling keys of one file's documents: ``keys(number) == document_key(seed, file,
    number)``, with the seed and file hashed once."""

    def __init__(self, seed: int, file: str) -> None:
        self._prefix = hashlib.blake2b(
            f"{seed}\0{file}\0".encode("utf-8", "surrogatepass"), digest_size=16
        )

    def __call__(self, number: int) -> int:
        digest = self._prefix.copy()
        digest.update(str(number).encode())
        return int.from_bytes(digest.digest(), "big")


def below_rate(key: int, rate: float) -> bool:
    """Whether a document with ``key`` is in a sample of rate ``rate``."""
    return key < rate * KEY_SPACE


@dataclass
class Reservoir(Generic[T]):
    """The ``size`` items with the smallest keys offered so far."""

    size: int
    _heap: list[tuple[int, int, T]] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def offer(self, key: int, item: T) -> bool:
        """Keep ``item`` if its key is among the ``size`` smallest so far; ``True`` if kept.

        An item refused now would be refused at any later time, whatever else is offered.
        """
        # heapq is a min-heap: keys are negated so the largest kept key is on top; the
        # sequence number keeps items from ever being compared.
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, (-key, next(self._seq), item))
            return True
        if -key > self._heap[0][0]:
            heapq.heapreplace(self._heap, (-key, next(self._seq), item))
            return True
        return False

    def extend(self, entries: Iterable[tuple[int, T]]) -> list[tuple[int, T]]:
        """Offer every entry; returns those kept at the time they were offered."""
        return [(key, item) for key, item in entries if self.offer(key, item)]

    def entries(self) -> list[tuple[int, T]]:
        """The kept ``(key, item)`` by increasing key."""
        return sorted(((-neg, item) for neg, _, item in self._heap), key=lambda e: e[0])


class GroupSample:
    """The ``size`` smallest-key documents of each group (a source, or ``"*"`` for the whole
    corpus), gathered from the candidates of shards in any order.

    Candidates are ``{group: [[key, document], ...]}`` with keys as decimal strings (plain
    JSON for any engine and for the state folder).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._groups: dict[str, Reservoir[dict[str, Any]]] = {}

    def admit(self, candidates: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
        """Offer a shard's candidates; returns those kept now. The others can never be in
        the sample, so a resumed run that admits only what was kept draws the same sample."""
        kept: dict[str, list[list[Any]]] = {}
        for group, entries in candidates.items():
            reservoir = self._groups.setdefault(group, Reservoir(self.size))
            admitted = reservoir.extend((int(key), doc) for key, doc in entries)
            if admitted:
                kept[group] = [[str(key), doc] for key, doc in admitted]
        return kept

    def documents(self) -> list[dict[str, Any]]:
        """The sample: by group name, then by key."""
        return [doc for group in sorted(self._groups) for _, doc in self._groups[group].entries()]
