"""The Ray engine: the same units of work as Ray Data tasks, on a local or remote cluster.

Ray is imported here only, when this engine is chosen. Each shard (or chunk of chosen
documents) is one row of a Ray dataset; ``map`` runs the unit of work with one CPU per task,
and the results (JSON strings, so rows keep one simple schema) stream back to the driver,
which writes them as they arrive — so an interrupted Ray audit resumes like a local one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hegui.corpus._shards import Shard
from hegui.corpus._work import SelectBy, audit_shard, scan_documents
from hegui.errors import HeguiError


class RayRunner:
    """Runs on Ray: ``address`` of a cluster (``None``: a local Ray with ``workers`` CPUs)."""

    def __init__(self, workers: int, address: str | None) -> None:
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
            else:
                options["num_cpus"] = max(1, workers)
            try:
                ray.init(**options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise HeguiError(
                    f"cannot start or reach Ray ({exc})",
                    f"无法启动或连接 Ray（{exc}）",
                    address or "local",
                ) from None
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False

    def audit_shards(
        self,
        shards: list[Shard],
        settings: dict[str, Any],
        select_n: int | None,
        select_by: SelectBy,
    ) -> Iterator[dict[str, Any]]:
        if not shards:
            return

        def work(row: dict[str, Any]) -> dict[str, Any]:
            result = audit_shard(json.loads(row["task"]), settings, select_n, select_by)
            return {"result": json.dumps(result, ensure_ascii=False)}

        yield from self._run([json.dumps(s.as_dict()) for s in shards], work)

    def scan_chunks(
        self, chunks: list[list[dict[str, Any]]], settings: dict[str, Any], evidence: bool
    ) -> Iterator[dict[str, Any]]:
        if not chunks:
            return

        def work(row: dict[str, Any]) -> dict[str, Any]:
            result = scan_documents(json.loads(row["task"]), settings, evidence)
            result["index"] = row["index"]
            return {"result": json.dumps(result, ensure_ascii=False)}

        done = list(self._run([json.dumps(c, ensure_ascii=False) for c in chunks], work))
        yield from sorted(done, key=lambda r: int(r.pop("index")))

    def _run(self, tasks: list[str], work: Any) -> Iterator[dict[str, Any]]:
        rows = [{"index": i, "task": task} for i, task in enumerate(tasks)]
        dataset = self._ray.data.from_items(rows, override_num_blocks=len(rows))
        for row in dataset.map(work, num_cpus=1).iter_rows():
            yield json.loads(row["result"])

    def close(self) -> None:
        """Stop the Ray this runner started; a Ray someone else started is left running."""
        if self._started:
            self._ray.shutdown()
