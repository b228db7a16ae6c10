"""Corpus audit figures on a generated corpus of ≥ 1 GB with known unsafe shares per source.

Run: ``.venv/bin/python bench/corpus_audit.py`` (generates the corpus into
``.cache/corpus-bench`` on first use — check ``df -h`` — and reuses it after). Writes
bench/results/corpus_audit.{json,md}:

1. throughput on one core of the corpus mode (keyword + fast tiers) against a naive
   single-process baseline measured in the same run: read each line, ``json.loads``, and the
   policy's default cascade (keywords, PII, n-gram on every text; e5 off) per text; wall-clock
   and CPU-time rates (the CPU time is what to read on a machine shared with other work);
2. scaling of the local engine and of Ray (local) from 1 to 2 workers on one source, Ray
   measured after a warm-up run (its actors stay up between audits in one Ray session);
3. the full audit (sample rate 10%, the technical check's minimum) as a user runs it, the
   ``hegui corpus audit`` command in its own process: peak memory of that process tree
   (sum of PSS, sampled every 0.2 s) and each source's estimate against its true share.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from _common import ROOT, median, write_results
from hegui.corpus import AuditResults, AuditSettings, Engine, run_audit
from hegui.corpus._scan import corpus_cascade
from hegui.corpus._shards import Shard, find_files, plan_shards
from hegui.corpus._work import audit_shard
from hegui.detect import Cascade, Role, TierRun, build_cascade
from hegui.detect.classifier import EmbeddingClassifier

CORPUS = ROOT / ".cache" / "corpus-bench"


def ensure_corpus(path: Path, mb: int) -> dict[str, Any]:
    truth = path / "truth.json"
    if truth.exists():
        return dict(json.loads(truth.read_text()))
    free = shutil.disk_usage(path.parent if path.parent.exists() else ROOT).free
    if free < 3 * mb * 1024 * 1024:
        raise SystemExit(f"need {3 * mb} MB free for the corpus, {free // 2**20} MB free")
    from corpus_generate import generate

    path.mkdir(parents=True, exist_ok=True)
    return generate(path, mb, seed=0)


def settings_for(paths: list[str], **extra: Any) -> AuditSettings:
    return AuditSettings(paths=paths, source_field="source", source_from="field", **extra)


THROUGHPUT_SOURCES = ("news", "web_crawl", "forum")
"""Sources of increasing unsafe share (0%, 2%, 8%): the n-gram tier runs on the uncertain ones."""


def corpus_mode_mb_s(
    shard: Shard, settings: AuditSettings, runs: int
) -> tuple[float, float, float]:
    """Median MB/s (wall clock and CPU time) and documents/s of ``audit_shard`` on ``shard``
    in this process."""
    size_mb = (shard.end - shard.start) / 2**20
    corpus_cascade(settings)  # loaded before timing, as a worker has it loaded
    times, cpu, docs = [], [], 0
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        docs = audit_shard(shard.as_dict(), settings.model_dump(mode="json"))["n_docs"]
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return size_mb / median(times), size_mb / median(cpu), docs / median(times)


def naive_mb_s(shard: Shard, policy: str, runs: int) -> float:
    """The baseline: each line ``json.loads``-ed and checked by the policy's default cascade
    (keywords, PII and n-gram on every text; e5 off), one text at a time."""
    full = build_cascade(policy)
    naive = Cascade(
        full.policy,
        [
            dataclasses.replace(t, run=TierRun.NEVER)
            if isinstance(t.detector, EmbeddingClassifier)
            else t
            for t in full.tiers
        ],
        full.scope,
    )
    budget = 2 * 2**20  # the baseline is slow: time its first 2 MB
    rates = []
    for _ in range(runs):
        began = time.perf_counter()
        read = 0
        with open(shard.file, "rb") as handle:
            for line in handle:
                read += len(line)
                try:
                    text = json.loads(line)["text"]
                except (ValueError, KeyError, TypeError):
                    continue
                naive.check(text, Role.PROMPT)
                if read >= budget:
                    break
        rates.append(read / 2**20 / (time.perf_counter() - began))
    return median(rates)


def one_core_throughput(corpus: Path, truth: dict[str, Any], runs: int) -> dict[str, Any]:
    """Corpus mode on one 8 MB shard of three sources, and the naive baseline on web_crawl."""
    rows = []
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})  # one core, as the figure is stated
    for source in THROUGHPUT_SOURCES:
        settings = settings_for([str(corpus / source)], shard_mb=8)
        shard = plan_shards(find_files(settings.paths), settings.shard_mb)[0]
        mb_s, cpu_mb_s, docs_s = corpus_mode_mb_s(shard, settings, runs)
        base = naive_mb_s(shard, settings.policy, runs) if source == "web_crawl" else None
        rows.append(
            {
                "source": source,
                "true_share": round(truth["sources"][source]["true_share"], 4),
                "shard_mb": round((shard.end - shard.start) / 2**20, 1),
                "corpus_mode_mb_s": round(mb_s, 2),
                "corpus_mode_cpu_mb_s": round(cpu_mb_s, 2),
                "docs_s": round(docs_s),
                "naive_baseline_mb_s": None if base is None else round(base, 3),
                "speedup_vs_baseline": None if base is None else round(mb_s / base, 1),
            }
        )
    os.sched_setaffinity(0, cores)
    return {"runs": runs, "target_mb_s": 20, "sources": rows}


def timed_audit(settings: AuditSettings, engine: Engine, workers: int, out: Path) -> float:
    began = time.perf_counter()
    run_audit(settings, out, engine=engine, workers=workers, fresh=True)
    return time.perf_counter() - began


SCALING_PAIRS = 15
"""1-worker / 2-worker audit pairs per engine for the scaling figure."""


def scaling(corpus: Path, tmp: Path) -> dict[str, Any]:
    """Seconds per audit with 1 and 2 workers, and the speed-up, per engine.

    The two counts alternate (1, 2, 1, 2, …) and the speed-up is the median of each pair's
    ratio: this VM's speed drifts by a third within minutes, which a block of 1-worker runs
    followed by a block of 2-worker runs would read as scaling.
    """
    settings = settings_for([str(corpus / "qa_pairs")], sample_rate=0.1, shard_mb=8)
    corpus_cascade(settings)
    out: dict[str, Any] = {"source": "qa_pairs", "sample_rate": 0.1, "pairs": SCALING_PAIRS}

    def pairs(engine: Engine, folder: Path) -> None:
        times = [
            (
                timed_audit(settings, engine, 1, folder),
                timed_audit(settings, engine, 2, folder),
            )
            for _ in range(SCALING_PAIRS)
        ]
        name = engine.value
        out[f"{name}_1_s"] = round(median([one for one, _ in times]), 2)
        out[f"{name}_2_s"] = round(median([two for _, two in times]), 2)
        out[f"{name}_speedup"] = round(median([one / two for one, two in times]), 2)

    pairs(Engine.LOCAL, tmp / "s")
    try:
        import ray
    except ImportError:
        out["ray"] = "not installed"
        return out
    # One local Ray with two CPUs; an audit with one worker uses one of its two warm actors.
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        timed_audit(settings, Engine.RAY, 2, tmp / "r")  # start and warm the actors
        pairs(Engine.RAY, tmp / "r")
    finally:
        ray.shutdown()
    return out


class TreeMemory:
    """Peak memory of a process and its children, sampled in a thread: the sum of their
    proportional set sizes (PSS: pages shared after fork counted once) and the largest
    single resident set (RSS)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_total = 0.0
        self.peak_single = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                top = psutil.Process(self.root)
                procs = [top, *top.children(recursive=True)]
            except psutil.Error:
                procs = []
            pss, rss = [], []
            for proc in procs:
                try:
                    info = proc.memory_full_info()
                except psutil.Error:
                    continue
                pss.append(info.pss / 2**20)
                rss.append(info.rss / 2**20)
            self.peak_total = max(self.peak_total, sum(pss))
            self.peak_single = max(self.peak_single, max(rss, default=0.0))
            time.sleep(0.2)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def full_audit(corpus: Path, truth: dict[str, Any], workers: int, tmp: Path) -> dict[str, Any]:
    """The audit as a user runs it: ``hegui corpus audit`` in its own process tree."""
    out = tmp / "full"
    command = [
        str(Path(sys.executable).with_name("hegui")),
        "corpus",
        "audit",
        str(corpus),
        "--source-field",
        "source",
        "--sample-rate",
        "0.1",
        "--workers",
        str(workers),
        "--out",
        str(out),
        "--fresh",
    ]
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with TreeMemory(process.pid) as memory:
        _, stderr = process.communicate()
    seconds = time.perf_counter() - began
    if process.returncode != 0:
        raise SystemExit(f"hegui corpus audit failed: {stderr.decode(errors='replace')}")
    results = AuditResults.model_validate_json((out / "results.json").read_text("utf-8"))
    rows = []
    for source in results.sources:
        known = truth["sources"].get(source.source)
        if known is None:
            continue
        inside = (
            source.ci_low is not None
            and source.ci_high is not None
            and (source.ci_low <= known["true_share"] <= source.ci_high)
        )
        rows.append(
            {
                "source": source.source,
                "format": known["format"],
                "n_docs": source.n_docs,
                "true_n_docs": known["n_docs"],
                "n_scanned": source.n_scanned,
                "true_share": round(known["true_share"], 5),
                "estimate": round(source.unsafe_share or 0.0, 5),
                "ci_low": round(source.ci_low or 0.0, 5),
                "ci_high": round(source.ci_high or 0.0, 5),
                "inside": inside,
                "verdict": source.verdict,
                "problems": source.problems,
            }
        )
    unattributed = {
        s.source: s.problems for s in results.sources if s.source not in truth["sources"]
    }
    return {
        "corpus_mb": round(truth["bytes"] / 2**20, 1),
        "workers": workers,
        "seconds": round(seconds, 1),
        "read_mb_s": round(truth["bytes"] / 2**20 / seconds, 2),
        "docs": results.overall.n_docs,
        "scanned": results.overall.n_scanned,
        "peak_pss_tree_mb": round(memory.peak_total, 1),
        "peak_rss_one_process_mb": round(memory.peak_single, 1),
        "all_inside": all(r["inside"] for r in rows),
        "sources": rows,
        "unattributed_problems": unattributed,
        "technical_check": results.technical_check.model_dump(mode="json"),
    }


def markdown(payload: dict[str, Any]) -> str:
    t, s, f = payload["throughput"], payload["scaling"], payload["full"]
    lines = [
        "# Corpus audit",
        "",
        f"Generated corpus: {f['corpus_mb']} MB on disk, {f['docs']:,} documents, 8 sources "
        "with known unsafe shares (bench/corpus_generate.py, seed 0).",
        "",
        f"Machine load (1-minute load average, {os.cpu_count()} cores) at the start and end of "
        f"the run: {payload['load_average']['start']:.1f} / {payload['load_average']['end']:.1f}"
        " — with other work on the cores, the speed and scaling figures are noisy; rerun with "
        "`.venv/bin/python bench/corpus_audit.py` on a quiet machine.",
        "",
        "## Throughput on one core (keyword + fast tiers)",
        "",
        "One 8 MB shard per source, in this process, median of "
        f"{t['runs']} runs. Corpus mode is `audit_shard`: read, count, keyword + PII tiers in "
        "batches, n-gram classifier where a risk is uncertain. MB/s is by the wall clock, "
        "CPU MB/s by this process's CPU time. The naive baseline reads each line with "
        "`json.loads` and calls the default cascade (n-gram on every text, e5 off) one text "
        f"at a time. Target: {t['target_mb_s']} MB/s per core.",
        "",
        "| source | true unsafe share | corpus mode MB/s | CPU MB/s | docs/s | "
        "naive baseline MB/s | ratio |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {r['source']} | {r['true_share']:.2%} | {r['corpus_mode_mb_s']} | "
            f"{r['corpus_mode_cpu_mb_s']} | {r['docs_s']:,} | {r['naive_baseline_mb_s'] or '—'} | "
            f"{str(r['speedup_vs_baseline']) + '×' if r['speedup_vs_baseline'] else '—'} |"
            for r in t["sources"]
        ],
        "",
        "## Scaling, 1 → 2 workers",
        "",
        f"Source {s['source']}, sample rate {s['sample_rate']}; {s['pairs']} pairs of audits "
        "per engine, 1 and 2 workers alternating; median seconds per audit, and the median "
        "of the pairs' ratios as the speed-up (this VM's speed drifts within minutes). Ray: "
        "one local Ray with 2 CPUs and its actors warm; a 1-worker audit uses one of them.",
        "",
        "| engine | 1 worker s | 2 workers s | speed-up | target |",
        "|---|---|---|---|---|",
        f"| local | {s['local_1_s']} | {s['local_2_s']} | {s['local_speedup']}× | ≥ 1.7× |",
    ]
    if "ray_speedup" in s:
        lines.append(
            f"| ray (local) | {s['ray_1_s']} | {s['ray_2_s']} | {s['ray_speedup']}× | ≥ 1.7× |"
        )
    lines += [
        "",
        "## Full audit: memory and accuracy",
        "",
        f"`hegui corpus audit` with sample rate 10%, local engine, {f['workers']} workers: "
        f"{f['seconds']} s ({f['read_mb_s']} MB/s read), {f['scanned']:,} of {f['docs']:,} "
        "documents scanned.",
        f"Peak memory: {f['peak_pss_tree_mb']} MB for the command's process tree (sum of PSS, "
        f"shared pages counted once), {f['peak_rss_one_process_mb']} MB resident for the "
        "largest process (target < 1 GB).",
        "",
        "| source | format | docs | scanned | true share | estimate | 95% CI | inside | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in f["sources"]:
        lines.append(
            f"| {r['source']} | {r['format']} | {r['n_docs']:,} | {r['n_scanned']:,} | "
            f"{r['true_share']:.4f} | {r['estimate']:.4f} | {r['ci_low']:.4f} – "
            f"{r['ci_high']:.4f} | {'yes' if r['inside'] else '**no**'} | {r['verdict']} |"
        )
    lines += [
        "",
        f"Every source inside its interval: {'yes' if f['all_inside'] else 'no'}. Bad lines the "
        f"generator planted, counted as problems: {f['unattributed_problems']} plus the "
        "GB18030 lines counted as documents (encodings in results.json).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--mb", type=int, default=1100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=len(psutil.Process().cpu_affinity() or [1]))
    args = parser.parse_args()
    truth = ensure_corpus(args.corpus, args.mb)
    tmp = args.corpus.parent / "corpus-bench-out"
    load_start = os.getloadavg()[0]
    payload: dict[str, Any] = {
        "throughput": one_core_throughput(args.corpus, truth, args.runs),
        "scaling": scaling(args.corpus, tmp),
        "full": full_audit(args.corpus, truth, args.workers, tmp),
    }
    payload["load_average"] = {"start": load_start, "end": os.getloadavg()[0]}
    write_results("corpus_audit", payload, markdown(payload))


if __name__ == "__main__":
    main()
