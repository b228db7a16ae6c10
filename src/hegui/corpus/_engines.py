"""Engines run the units of work of :mod:`._work`: local processes, or Ray actors.

Both yield shard results as they complete (any order) and chunk results in order; the audit
merges them the same way, and sampling does not depend on order, so the same seed gives the
same results on either engine.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
from collections.abc import Iterator
from multiprocessing.pool import Pool
from typing import Any, Protocol

from hegui.corpus._models import AuditSettings
from hegui.corpus._scan import corpus_cascade
from hegui.corpus._shards import Shard
from hegui.corpus._work import SelectBy, audit_shard, scan_documents


class Runner(Protocol):
    """What the audit needs from an engine."""

    def audit_shards(
        self,
        shards: list[Shard],
        settings: dict[str, Any],
        select_n: int | None,
        select_by: SelectBy,
    ) -> Iterator[dict[str, Any]]:
        """One :func:`audit_shard` result per shard, as they complete."""
        ...

    def scan_chunks(
        self, chunks: list[list[dict[str, Any]]], settings: dict[str, Any], evidence: bool
    ) -> Iterator[dict[str, Any]]:
        """One :func:`scan_documents` result per chunk, in order."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


def default_workers() -> int:
    """Every core this process may use."""
    return len(os.sched_getaffinity(0))


class LocalRunner:
    """A pool of ``workers`` processes on this machine; each streams its shard."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: Pool | None = None

    def _get_pool(self, settings: dict[str, Any]) -> Pool:
        if self._pool is None:
            # Built before forking, the cascade's tables are shared by every worker; frozen,
            # its objects are never visited by the collector, so the workers' garbage
            # collections do not copy the pages they live on.
            corpus_cascade(AuditSettings.model_validate(settings))
            gc.freeze()
            self._pool = multiprocessing.get_context("fork").Pool(self.workers)
            gc.unfreeze()
        return self._pool

    def audit_shards(
        self,
        shards: list[Shard],
        settings: dict[str, Any],
        select_n: int | None,
        select_by: SelectBy,
    ) -> Iterator[dict[str, Any]]:
        if not shards:
            return
        work = functools.partial(
            _audit_shard_dict, settings=settings, select_n=select_n, select_by=select_by
        )
        yield from self._get_pool(settings).imap_unordered(work, [s.as_dict() for s in shards])

    def scan_chunks(
        self, chunks: list[list[dict[str, Any]]], settings: dict[str, Any], evidence: bool
    ) -> Iterator[dict[str, Any]]:
        if not chunks:
            return
        work = functools.partial(scan_documents, settings=settings, evidence=evidence)
        yield from self._get_pool(settings).imap(work, chunks)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


def _audit_shard_dict(
    shard: dict[str, Any], settings: dict[str, Any], select_n: int | None, select_by: SelectBy
) -> dict[str, Any]:
    return audit_shard(shard, settings, select_n, select_by)
