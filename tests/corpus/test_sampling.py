"""Seeded sampling: uniform, and the same documents whatever order they arrive in."""

from __future__ import annotations

import random

from hegui.corpus._sampling import GroupSample, Reservoir, below_rate, document_key


def test_rate_sample_is_seeded_and_about_the_rate() -> None:
    keys = [document_key(7, "f.jsonl", n) for n in range(20_000)]
    chosen = sum(below_rate(k, 0.1) for k in keys)
    assert 1_800 < chosen < 2_200
    assert keys == [document_key(7, "f.jsonl", n) for n in range(20_000)]
    assert keys != [document_key(8, "f.jsonl", n) for n in range(20_000)]


def test_reservoir_does_not_depend_on_order_or_split() -> None:
    items = [(document_key(1, "f", n), n) for n in range(5_000)]
    whole: Reservoir[int] = Reservoir(100)
    whole.extend(items)
    shuffled = items[:]
    random.Random(3).shuffle(shuffled)
    parts = [Reservoir[int](100) for _ in range(4)]
    for i, (key, item) in enumerate(shuffled):
        parts[i % 4].offer(key, item)
    merged: Reservoir[int] = Reservoir(100)
    for part in parts:
        merged.extend(part.entries())
    assert merged.entries() == whole.entries()
    assert [item for _, item in whole.entries()] == [item for _, item in sorted(items)[:100]]


def test_group_sample_keeps_the_same_documents_when_resumed_from_what_it_admitted() -> None:
    shards = [
        {"*": [[str(document_key(5, f"f{s}", n)), {"n": n, "s": s}] for n in range(300)]}
        for s in range(6)
    ]
    whole = GroupSample(50)
    saved = [whole.admit(shard) for shard in shards]
    assert sum(len(kept["*"]) for kept in saved) < 6 * 300  # later shards are pruned
    # an interrupted run resumed: the first four shards come back from what was saved
    resumed = GroupSample(50)
    for kept in saved[:4]:
        resumed.admit(kept)
    for shard in reversed(shards[4:]):
        resumed.admit(shard)
    assert resumed.documents() == whole.documents()
    everything = sorted((int(k), d) for shard in shards for k, d in shard["*"])
    assert whole.documents() == [d for _, d in everything[:50]]
