"""Running an audit: plan shards, skip those already done, run the rest, merge, write outputs.

The first pass reads every shard (counting documents and problems, and scanning the sampled
ones, or keeping the candidates of a fixed-size sample); its per-shard results go to the
resumable state folder ``OUT/.audit/`` (:mod:`._state`). A fixed-size sample is then scanned
in a second pass. Results are merged in shard order, so they do not depend on which worker
finished first.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hegui.corpus._engines import LocalRunner, Runner, default_workers
from hegui.corpus._models import AuditResults, AuditSettings, Engine
from hegui.corpus._outputs import write_outputs
from hegui.corpus._results import build_results
from hegui.corpus._sampling import GroupSample
from hegui.corpus._shards import Shard, find_files, plan_shards
from hegui.corpus._state import RunState, manifest_of
from hegui.corpus._tally import Tallies
from hegui.corpus._work import SelectBy
from hegui.policy import load_policy

CHUNK = 200
"""Chosen documents per scan task in the second pass of a fixed-size sample."""


@dataclass(frozen=True, slots=True)
class Progress:
    """What has been done so far, for a progress bar."""

    shards_done: int
    shards_total: int
    docs: int


ProgressHook = Callable[[Progress], None]


def make_runner(engine: Engine, workers: int | None, ray_address: str | None) -> Runner:
    """The engine's runner with ``workers`` processes (``None``: every core of this machine,
    or of the Ray cluster); Ray is imported only for ``Engine.RAY``."""
    if engine is Engine.RAY:
        from hegui.corpus._ray import RayRunner

        return RayRunner(workers, ray_address)
    return LocalRunner(workers or default_workers())


def first_pass(
    runner: Runner,
    state: RunState,
    shards: list[Shard],
    config: dict[str, Any],
    sample: GroupSample | None,
    select_by: SelectBy,
    on_progress: ProgressHook | None,
) -> None:
    """Run every shard not yet in ``state`` and save its result there.

    With ``sample``, shards keep candidates of a fixed-size sample (per source or of the
    whole corpus, ``select_by``) instead of scanning; only the candidates the sample admits
    are saved, and those of completed shards are admitted first, so a resumed run prunes as
    much as an uninterrupted one.
    """
    done = state.done()
    if sample is not None:
        for shard in shards:
            if shard.id in done:
                sample.admit(state.load(shard)["candidates"])
    todo = [s for s in shards if s.id not in done]
    finished, docs = len(shards) - len(todo), 0
    if on_progress:
        on_progress(Progress(finished, len(shards), docs))
    size = sample.size if sample is not None else None
    for result in runner.audit_shards(todo, config, size, select_by):
        if sample is not None:
            result["candidates"] = sample.admit(result["candidates"])
        state.save(result)
        finished += 1
        docs += int(result["n_docs"])
        if on_progress:
            on_progress(Progress(finished, len(shards), docs))


def run_audit(
    settings: AuditSettings,
    out: Path,
    engine: Engine = Engine.LOCAL,
    workers: int | None = 1,
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
    state = RunState(out, "audit")
    state.open(manifest_of(settings, files), fresh)
    config = settings.model_dump(mode="json")
    sample = GroupSample(settings.sample_n) if settings.sample_n is not None else None
    tallies = Tallies()
    chosen_flagged: list[str] = []
    runner = make_runner(engine, workers, ray_address)
    try:
        first_pass(runner, state, shards, config, sample, "source", on_progress)
        for shard in shards:  # in order, one at a time: memory does not grow with the corpus
            tallies.merge(Tallies.from_json(state.load(shard)["tallies"]))
        if sample is not None:
            chosen = sample.documents()
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
