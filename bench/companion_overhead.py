"""Companion monitor overhead per turn, with the risk classifier's own time reported separately.

    OMP_NUM_THREADS=1 .venv/bin/python bench/companion_overhead.py [--turns 400] [--runs 5]

Replays a synthetic multi-user conversation (messages from training/companion/data, one to
four minutes apart, 40 users) through ``CompanionMonitor.before_turn`` + ``after_turn`` on a
SQLite file, on one core. Per turn: the monitor's overhead is the wall time of both calls minus
the risk scorer's time; the scorer's time (e5 classifier and intent rules) is measured inside
``RiskScorer.score``, and the intent rules' share of it separately. As the machine is shared,
the overhead is also given as this thread's CPU time (the turn's CPU time minus that of scoring
the same text once more), which other processes do not inflate. The same conversation is then
replayed with the scores computed beforehand ("monitor alone"): the monitor's own cost, without
the e5 model evicting its code and data from the CPU caches in between. The baseline, measured
in the same run, is one bare SQLite INSERT + COMMIT of a row (the least any recorded turn
costs). Figures are medians over ``--runs`` passes, each on a fresh database. Writes
bench/results/companion_overhead.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _common import median, percentile, pin_one_core, write_results  # noqa: E402
from hegui.companion import CompanionMonitor, CompanionStore, RiskScorer, RiskScores  # noqa: E402
from hegui.policy import load_policy  # noqa: E402

DATA = ROOT / "training" / "companion" / "data"
START = datetime(2026, 7, 20, 1, 0, tzinfo=UTC)


def messages() -> list[str]:
    out = []
    for lang in ("en", "zh"):
        for line in (DATA / f"{lang}.txt").read_text("utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                out.append(line.strip())
    return out


class ReplayedScorer:
    """The real scorer's scores of each text, computed once beforehand, returned in no time."""

    def __init__(self, scorer: RiskScorer, texts: list[str]) -> None:
        self.scores = {text: replace(scorer.score(text), elapsed_ms=0.0) for text in set(texts)}

    def score(self, text: str) -> RiskScores:
        return self.scores[text]


def conversation(texts: list[str], turns: int, seed: int) -> list[tuple[str, datetime, str]]:
    """``(user, time, text)`` per turn: 40 users, one to four minutes between their messages."""
    rng = random.Random(seed)
    clock = {f"u{i}": START for i in range(40)}
    out = []
    for _ in range(turns):
        user = rng.choice(sorted(clock))
        clock[user] += timedelta(minutes=rng.uniform(1, 4))
        out.append((user, clock[user], rng.choice(texts)))
    return out


def one_run(
    scorer: RiskScorer, replayed: ReplayedScorer, texts: list[str], turns: int, seed: int
) -> dict[str, list[float]]:
    turns_of_run = conversation(texts, turns, seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = CompanionStore(f"sqlite:///{tmp}/bench.db")
        monitor = CompanionMonitor(load_policy("cn-companion"), store, scorer=scorer)
        overhead, overhead_cpu, risk, rules, total = [], [], [], [], []
        for user, at, text in turns_of_run:
            cpu_risk = time.thread_time()
            scorer.score(text)  # the scorer's CPU time alone, on the same text
            cpu_risk = time.thread_time() - cpu_risk
            started = time.perf_counter()
            scorer.intent.match(text)
            rules.append((time.perf_counter() - started) * 1000)
            cpu = time.thread_time()
            started = time.perf_counter()
            plan = monitor.before_turn("bench", user, text, at)
            if plan.turn_id is not None:
                monitor.after_turn(plan.turn_id, "好的，我们继续聊。")
            elapsed = (time.perf_counter() - started) * 1000
            cpu = time.thread_time() - cpu
            total.append(elapsed)
            risk.append(plan.risk_ms)
            overhead.append(elapsed - plan.risk_ms)
            overhead_cpu.append((cpu - cpu_risk) * 1000)
        monitor.close()
        alone = CompanionMonitor(
            load_policy("cn-companion"),
            CompanionStore(f"sqlite:///{tmp}/alone.db"),
            scorer=replayed,  # type: ignore[arg-type]
        )
        monitor_alone = []
        for user, at, text in turns_of_run:
            started = time.perf_counter()
            plan = alone.before_turn("bench", user, text, at)
            if plan.turn_id is not None:
                alone.after_turn(plan.turn_id, "好的，我们继续聊。")
            monitor_alone.append((time.perf_counter() - started) * 1000)
        alone.close()
        baseline = []
        conn = sqlite3.connect(f"{tmp}/baseline.db")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at REAL, text TEXT)")
        for i in range(turns):
            started = time.perf_counter()
            conn.execute(
                "INSERT INTO t (at, text) VALUES (?, ?)", (float(i), texts[i % len(texts)])
            )
            conn.commit()
            baseline.append((time.perf_counter() - started) * 1000)
        conn.close()
    return {
        "overhead": overhead,
        "overhead_cpu": overhead_cpu,
        "monitor_alone": monitor_alone,
        "risk": risk,
        "rules": rules,
        "total": total,
        "baseline": baseline,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    pin_one_core()
    texts = messages()
    scorer = RiskScorer()
    scorer.score("warm up / 预热")
    replayed = ReplayedScorer(scorer, texts)
    load_before = os.getloadavg()[0]
    runs = [one_run(scorer, replayed, texts, args.turns, seed) for seed in range(args.runs)]
    load = (round(load_before, 2), round(os.getloadavg()[0], 2))
    figures = {
        key: {
            "p50_ms": round(median([percentile(r[key], 0.5) for r in runs]), 3),
            "p95_ms": round(median([percentile(r[key], 0.95) for r in runs]), 3),
        }
        for key in (
            "overhead",
            "overhead_cpu",
            "monitor_alone",
            "risk",
            "rules",
            "total",
            "baseline",
        )
    }
    ratio = figures["overhead"]["p50_ms"] / figures["baseline"]["p50_ms"]
    target = 2.0
    verdict = "PASS" if figures["overhead"]["p50_ms"] <= target else "FAIL"
    payload = {
        "turns_per_run": args.turns,
        "runs": args.runs,
        "figures": figures,
        "overhead_vs_baseline": round(ratio, 2),
        "target_overhead_p50_ms": target,
        "verdict": verdict,
        "load_average_1min_before_after": load,
    }
    md = [
        "# Companion monitor overhead per turn",
        "",
        f"{args.turns} turns × {args.runs} runs (40 users, cn-companion, SQLite file, one core); "
        "medians over runs of each run's percentile. Machine load average (1 min) before / after: "
        f"{load[0]} / {load[1]} on {os.cpu_count()} cores.",
        "",
        "| measure | p50 ms | p95 ms |",
        "|---|---|---|",
        f"| monitor overhead (before_turn + after_turn − risk scorer) | "
        f"{figures['overhead']['p50_ms']} | {figures['overhead']['p95_ms']} |",
        f"| monitor overhead, CPU time of this thread (turn CPU − scorer CPU on the same text) | "
        f"{figures['overhead_cpu']['p50_ms']} | {figures['overhead_cpu']['p95_ms']} |",
        f"| monitor alone (the same turns, scores computed beforehand) | "
        f"{figures['monitor_alone']['p50_ms']} | {figures['monitor_alone']['p95_ms']} |",
        f"| risk scorer (e5 + n-gram features, 6-label head, intent rules) | "
        f"{figures['risk']['p50_ms']} | {figures['risk']['p95_ms']} |",
        f"| of which the intent rules | {figures['rules']['p50_ms']} | "
        f"{figures['rules']['p95_ms']} |",
        f"| whole turn | {figures['total']['p50_ms']} | {figures['total']['p95_ms']} |",
        f"| baseline: one bare SQLite INSERT + COMMIT | {figures['baseline']['p50_ms']} | "
        f"{figures['baseline']['p95_ms']} |",
        "",
        f"Overhead p50 is {ratio:.1f}× the baseline. Target: overhead p50 ≤ {target} ms → "
        f"**{verdict}**.",
        "",
    ]
    write_results("companion_overhead", payload, "\n".join(md))


if __name__ == "__main__":
    main()
