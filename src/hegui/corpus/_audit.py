"""Running an audit: plan shards, skip those already done, run the rest, merge, write outputs.

State lives in ``OUT/.audit/``: ``manifest.json`` (the settings and each input file's size and
modification time) and one result file per completed shard, written atomically after its
flagged items — a shard's result file is its completion marker. A rerun with the same
settings and inputs skips completed shards; different settings or changed inputs are refused
unless ``fresh`` discards the old state.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hegui.corpus._engines import LocalRunner, Runner
from hegui.corpus._models import AuditResults, AuditSettings, Engine
from hegui.corpus._outputs import write_outputs
from hegui.corpus._results import build_results
from hegui.corpus._sampling import Reservoir
from hegui.corpus._shards import Shard, find_files, plan_shards
from hegui.corpus._tally import Tallies
from hegui.errors import HeguiError
from hegui.policy import load_policy

CHUNK = 200
"""Chosen documents per scan task in the second phase of a fixed-size sample."""


@dataclass(frozen=True, slots=True)
class Progress:
    """What has been done so far, for a progress bar."""

    shards_done: int
    shards_total: int
    docs: int


ProgressHook = Callable[[Progress], None]


def make_runner(engine: Engine, workers: int, ray_address: str | None) -> Runner:
    """The engine's runner; Ray is imported only for ``Engine.RAY``."""
    if engine is Engine.RAY:
        from hegui.corpus._ray import RayRunner

        return RayRunner(workers, ray_address)
    return LocalRunner(workers)


class AuditState:
    """The ``OUT/.audit`` folder: manifest and per-shard results (module docstring)."""

    def __init__(self, out: Path) -> None:
        self.root = out / ".audit"
        self.shards = self.root / "shards"

    def open(self, manifest: dict[str, Any], fresh: bool) -> None:
        path = self.root / "manifest.json"
        if fresh and self.root.exists():
            shutil.rmtree(self.root)
        if path.exists():
            old = json.loads(path.read_text("utf-8"))
            if old != manifest:
                raise HeguiError(
                    "this output folder holds an audit with other settings or changed input "
                    "files; use another --out, or --fresh to start over",
                    "该输出目录中已有设置不同或输入文件已变化的审核；请换一个 --out，"
                    "或用 --fresh 重新开始",
                    str(path),
                )
        self.shards.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=1))

    def done(self) -> set[str]:
        return {p.name.removesuffix(".json") for p in self.shards.glob("*.json")}

    def save(self, result: dict[str, Any]) -> None:
        shard = result["shard"]
        flagged = "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in result["flagged"])
        _write_atomic(self.shards / f"{shard}.flagged.jsonl", flagged)
        kept = {k: v for k, v in result.items() if k != "flagged"}
        _write_atomic(self.shards / f"{shard}.json", json.dumps(kept, ensure_ascii=False))

    def load(self, shard: Shard) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.shards / f"{shard.id}.json").read_text("utf-8"))
        return data

    def flagged_lines(self, shard: Shard) -> Iterator[str]:
        with (self.shards / f"{shard.id}.flagged.jsonl").open(encoding="utf-8") as handle:
            yield from handle


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def manifest_of(settings: AuditSettings, files: list[Path]) -> dict[str, Any]:
    """Settings plus every input file's size and modification time."""
    stats = {str(f): [f.stat().st_size, f.stat().st_mtime_ns] for f in files}
    return {"settings": settings.model_dump(mode="json"), "files": stats}


def run_audit(
    settings: AuditSettings,
    out: Path,
    engine: Engine = Engine.LOCAL,
    workers: int = 1,
    ray_address: str | None = None,
    fresh: bool = False,
    on_progress: ProgressHook | None = None,
) -> AuditResults:
    """Run (or resume) the audit and write ``results.json``, ``flagged.jsonl``, ``report.html``."""
    started = time.perf_counter()
    pack = load_policy(settings.policy)
    files = find_files(settings.paths)
    shards = plan_shards(files, settings.shard_mb)
    out.mkdir(parents=True, exist_ok=True)
    state = AuditState(out)
    state.open(manifest_of(settings, files), fresh)
    done = state.done()
    todo = [s for s in shards if s.id not in done]
    docs = 0
    config = settings.model_dump(mode="json")
    runner = make_runner(engine, workers, ray_address)
    try:
        finished = len(shards) - len(todo)
        if on_progress:
            on_progress(Progress(finished, len(shards), docs))
        for result in runner.audit_shards(todo, config, settings.sample_n, "source"):
            state.save(result)
            finished += 1
            docs += int(result["n_docs"])
            if on_progress:
                on_progress(Progress(finished, len(shards), docs))
        tallies = Tallies()
        candidates: dict[str, Reservoir[dict[str, Any]]] = {}
        for shard in shards:  # one at a time: memory does not grow with the corpus
            result = state.load(shard)
            tallies.merge(Tallies.from_json(result["tallies"]))
            if settings.sample_n is not None:
                for group, entries in result["candidates"].items():
                    reservoir = candidates.setdefault(group, Reservoir(settings.sample_n))
                    reservoir.extend((int(key), doc) for key, doc in entries)
        chosen_flagged: list[str] = []
        if candidates:
            chosen = [doc for group in sorted(candidates) for _, doc in candidates[group].entries()]
            chunks = [chosen[i : i + CHUNK] for i in range(0, len(chosen), CHUNK)]
            for scanned in runner.scan_chunks(chunks, config, evidence=False):
                tallies.merge(Tallies.from_json(scanned["tallies"]))
                chosen_flagged += [
                    json.dumps(f, ensure_ascii=False) + "\n" for f in scanned["flagged"]
                ]
    finally:
        runner.close()
    audit = build_results(tallies, settings, pack, engine, time.perf_counter() - started)
    flagged = itertools.chain(
        (line for shard in shards for line in state.flagged_lines(shard)), chosen_flagged
    )
    return write_outputs(out, audit, flagged)
