"""The Ray engine: the units of work of :mod:`._work` on a pool of warm Ray actors.

Ray is imported here only, when this engine is chosen. Each worker is an actor holding one
CPU: a process that has imported hegui and keeps its cascade between tasks, so a shard costs
what it costs on a local worker. Each shard (or chunk of chosen documents) is one actor call;
every actor has one call running and one queued, so no worker waits for the driver, and
results stream back to the driver, which writes them as they arrive — an interrupted Ray
audit resumes like a local one.

The actors are kept by this module for the driver's Ray session: when the caller started Ray
(a notebook, a benchmark), they stay up, warm, for the next audit or sample until
``ray.shutdown()``; when this runner started or joined Ray itself, it disconnects at the end
and they stop with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from hegui.corpus._models import AuditSettings
from hegui.corpus._scan import corpus_cascade
from hegui.corpus._shards import Shard
from hegui.corpus._work import SelectBy, audit_shard, scan_documents
from hegui.errors import HeguiError

IN_FLIGHT = 2
"""Calls queued on each actor: one running, one waiting."""

_WARM: dict[str, list[Any]] = {}
"""Actor handles by Ray session: an actor lives as long as a handle to it does."""


class CorpusWorker:
    """The actor: runs units of work in one long-lived process."""

    def warm(self, settings: dict[str, Any]) -> None:
        """Build the cascade for ``settings`` (kept by the process for later calls)."""
        corpus_cascade(AuditSettings.model_validate(settings))

    def audit_shard(
        self,
        shard: dict[str, Any],
        settings: dict[str, Any],
        select_n: int | None,
        select_by: SelectBy,
    ) -> dict[str, Any]:
        return audit_shard(shard, settings, select_n, select_by)

    def scan_documents(
        self, documents: list[dict[str, Any]], settings: dict[str, Any], evidence: bool
    ) -> dict[str, Any]:
        return scan_documents(documents, settings, evidence)


Call = Callable[[Any], Any]
"""Submits one unit of work to an actor handle and returns its object reference."""


class RayRunner:
    """Runs on Ray: ``address`` of a cluster (``None``: a local Ray with ``workers`` CPUs);
    ``workers`` actors (``None``: one per CPU of the cluster)."""

    def __init__(self, workers: int | None, address: str | None) -> None:
        try:
            import ray
        except ImportError:
            raise HeguiError(
                "the Ray engine needs Ray: pip install 'hegui[ray]'",
                "Ray 引擎需要安装 Ray：pip install 'hegui[ray]'",
            ) from None
        self._ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if address:
                options["address"] = address
            elif workers:
                options["num_cpus"] = workers
            try:
                ray.init(**options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise HeguiError(
                    f"cannot start or reach Ray ({exc})",
                    f"无法启动或连接 Ray（{exc}）",
                    address or "local",
                ) from None
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))  # type: ignore[no-untyped-call]
        # More actors than CPUs would wait forever for a CPU to hold.
        self.workers = min(workers or cpus, cpus)

    def _session(self) -> str:
        context = self._ray.get_runtime_context()
        return f"{context.get_node_id()}/{context.get_job_id()}"

    def _pool(self, settings: dict[str, Any]) -> list[Any]:
        actors = _WARM.setdefault(self._session(), [])
        if len(actors) < self.workers:
            worker = self._ray.remote(num_cpus=1)(CorpusWorker)
            actors += [worker.remote() for _ in range(self.workers - len(actors))]
        pool = actors[: self.workers]
        # Every actor builds its cascade at once, in parallel, before the first shard (at
        # no cost when it is warm).
        self._wait([a.warm.remote(settings) for a in pool])
        return pool

    def audit_shards(
        self,
        shards: list[Shard],
        settings: dict[str, Any],
        select_n: int | None,
        select_by: SelectBy,
    ) -> Iterator[dict[str, Any]]:
        calls = [_audit_call(s.as_dict(), settings, select_n, select_by) for s in shards]
        for _, result in self._map(calls, settings):
            yield result

    def scan_chunks(
        self, chunks: list[list[dict[str, Any]]], settings: dict[str, Any], evidence: bool
    ) -> Iterator[dict[str, Any]]:
        calls = [_scan_call(chunk, settings, evidence) for chunk in chunks]
        done = dict(self._map(calls, settings))
        yield from (done[i] for i in range(len(chunks)))

    def _map(self, calls: list[Call], settings: dict[str, Any]) -> Iterator[tuple[int, Any]]:
        """``(index, result)`` of every call as it completes."""
        if not calls:
            return
        free = self._pool(settings) * IN_FLIGHT
        pending: dict[Any, tuple[int, Any]] = {}
        queue = iter(enumerate(calls))
        while True:
            while free and (item := next(queue, None)) is not None:
                actor = free.pop()
                pending[item[1](actor)] = (item[0], actor)
            if not pending:
                return
            ready, _ = self._ray.wait(list(pending), num_returns=1)
            index, actor = pending.pop(ready[0])
            free.append(actor)
            yield index, self._wait([ready[0]])[0]

    def _wait(self, refs: list[Any]) -> list[Any]:
        try:
            results: list[Any] = self._ray.get(refs)
        except self._ray.exceptions.RayError as exc:
            raise HeguiError(
                f"a Ray worker failed ({type(exc).__name__}); rerun the same command to resume",
                f"Ray 工作进程失败（{type(exc).__name__}）；重新运行同一命令即可续跑",
            ) from exc
        return results

    def close(self) -> None:
        """Disconnect from the Ray this runner started or joined (its actors stop with it);
        a Ray the caller started is left running, with the warm actors."""
        if self._started:
            _WARM.pop(self._session(), None)
            self._ray.shutdown()


def _audit_call(
    shard: dict[str, Any], settings: dict[str, Any], select_n: int | None, select_by: SelectBy
) -> Call:
    return lambda actor: actor.audit_shard.remote(shard, settings, select_n, select_by)


def _scan_call(chunk: list[dict[str, Any]], settings: dict[str, Any], evidence: bool) -> Call:
    return lambda actor: actor.scan_documents.remote(chunk, settings, evidence)
