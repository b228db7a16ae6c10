"""Assessment runs on the shipped cn-tc260 suite against scripted models: time and correctness.

    .venv/bin/python bench/assess_run.py [--concurrency 32] [--e5-texts 60]

1. Four full default runs (the pack's sample sizes: 1,000 generated + 300 + 300 refusal
   items), one per scripted model: refuse-everything, answer-everything,
   refuse-exactly-the-right-items, and the latter with unsafe answers to a known tenth of the
   generated items. Each model is a scripted server in its own process, reached with 32
   concurrent connections.
2. Time: each run end to end (suite loading, judges, inspect-ai, results.json, report.html);
   median over the runs; harness time per item = wall time / items (the scripted server
   answers at once, so this is all harness); harness CPU time (the machine is shared, so wall
   time depends on the load, reported too); the judges' share measured inside the scorer.
3. Correctness: each metric's true value must lie in its 95% interval.
4. The e5 tier's cost (runs judge with it, as the policy says, unless ``--no-e5``): time per
   text with the policy's setting (``uncertain``) and with e5 off, on the bench's hard-safe
   texts (``--e5-texts`` per language), median of 3 passes.

Writes bench/results/assess_run.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _common import TRAINING_DATA, median, read_jsonl, write_results  # noqa: E402
from assess_scripted import BEHAVIOURS, ScriptedModelProcess, unsafe_tenth  # noqa: E402
from hegui.assess import Endpoint, RunOptions, run_assessment  # noqa: E402
from hegui.assess._rundir import read_sample  # noqa: E402
from hegui.detect import Role, build_cascade  # noqa: E402
from hegui.policy import Scope, load_policy  # noqa: E402


def _run(
    url: str,
    out: Path,
    concurrency: int,
    server: ScriptedModelProcess | None = None,
    sample: int | None = None,
) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    server_cpu = server.cpu_seconds() if server else 0.0
    outcome = run_assessment(
        RunOptions(
            target=Endpoint(url, "scripted", None),
            out=out,
            concurrency=concurrency,
            sample=sample,
        )
    )
    wall = time.perf_counter() - started
    if outcome.results is None:
        raise SystemExit(f"run incomplete: {outcome.unanswered} unanswered, {outcome.errors}")
    return {
        "wall_s": wall,
        "cpu_s": time.process_time() - cpu,
        "server_cpu_s": (server.cpu_seconds() - server_cpu) if server else 0.0,
        "load": os.getloadavg()[0],
        "items": outcome.items,
        "asked": outcome.asked,
        "judge_s": outcome.judge_seconds,
        "results": outcome.results,
    }


def _expected(behaviour: str, out: Path) -> dict[str, float]:
    if behaviour == "refuse_all":
        return {"qualified_rate": 1.0, "refusal_rate": 1.0, "over_refusal_rate": 1.0}
    if behaviour == "answer_all":
        return {"qualified_rate": 1.0, "refusal_rate": 0.0, "over_refusal_rate": 0.0}
    generated = [i for i in read_sample(out) if i.kind.value == "generated"]
    unsafe = sum(unsafe_tenth(i.id) for i in generated) if behaviour != "exact" else 0
    return {
        "qualified_rate": 1 - unsafe / len(generated),
        "refusal_rate": 1.0,
        "over_refusal_rate": 0.0,
    }


def _e5_cost(per_language: int) -> dict[str, Any]:
    texts = [
        r["text"]
        for name in ("safe_hard_heldout1_zh", "safe_hard_heldout1_en")
        for r in read_jsonl(TRAINING_DATA / f"{name}.jsonl")[:per_language]
    ]
    pack = load_policy("cn-tc260")
    costs: dict[str, Any] = {
        "texts": len(texts),
        "mean_chars": statistics.mean(len(t) for t in texts),
    }
    for setting in ("uncertain", "never"):
        settings = pack.cascade.model_copy(update={"embedded": setting})
        cascade = build_cascade(pack.model_copy(update={"cascade": settings}), Scope.PUBLIC)
        passes = []
        for _ in range(3):
            started = time.perf_counter()
            for text in texts:
                cascade.check(text, Role.ANSWER)
            passes.append((time.perf_counter() - started) * 1000 / len(texts))
        costs[setting] = median(passes)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--e5-texts", type=int, default=60)
    parser.add_argument("--sample", type=int, help="Items per bank (a quick check of this script)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hegui-assess-bench-"))
    timing: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    e5 = _e5_cost(args.e5_texts)
    try:
        for behaviour in BEHAVIOURS:
            out = work / behaviour
            server = ScriptedModelProcess(behaviour)
            with server as url:
                run = _run(url, out, args.concurrency, server, args.sample)
            timing.append(run)
            for name, truth in _expected(behaviour, out).items():
                m = run["results"].metrics[name]
                checks.append(
                    {
                        "model": behaviour,
                        "metric": name,
                        "expected": truth,
                        "value": m.value,
                        "n": m.n,
                        "ci": [m.ci_low, m.ci_high],
                        "inside": m.ci_low <= truth <= m.ci_high,
                    }
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    walls = [t["wall_s"] for t in timing]
    items = timing[0]["items"]
    payload = {
        "items": items,
        "concurrency": args.concurrency,
        "runs": len(timing),
        "wall_s": walls,
        "wall_s_median": median(walls),
        "harness_cpu_s": [t["cpu_s"] for t in timing],
        "server_cpu_s": [t["server_cpu_s"] for t in timing],
        "load_average_1min": [t["load"] for t in timing],
        "harness_ms_per_item": median(walls) * 1000 / items,
        "judge_ms_per_item": median([t["judge_s"] for t in timing]) * 1000 / items,
        "checks": checks,
        "all_inside": all(c["inside"] for c in checks),
        "e5_ms_per_answer": e5,
    }
    rows = "\n".join(
        f"| {c['model']} | {c['metric']} | {c['expected']:.3f} | {c['value']:.3f} | {c['n']} | "
        f"{c['ci'][0]:.3f}–{c['ci'][1]:.3f} | {'yes' if c['inside'] else '**NO**'} |"
        for c in checks
    )
    each = ", ".join(f"{w:.1f}" for w in walls)
    cpu_total = median(payload["harness_cpu_s"])
    cpu_item = cpu_total * 1000 / items
    loads = ", ".join(f"{x:.1f}" for x in payload["load_average_1min"])
    inside = "yes" if payload["all_inside"] else "**NO**"
    markdown = f"""# Assessment run / 评估运行

Shipped `cn-tc260` suite, default sample sizes from the pack ({items} items: generated,
should-refuse, should-not-refuse), scripted OpenAI-compatible server in its own process,
{args.concurrency} concurrent connections, 2 shared cores. Times are end to end (suite loading,
judges, inspect-ai, results.json, report.html).

| figure | value |
|---|---|
| wall time, median of the {len(walls)} runs below | {median(walls):.1f} s ({each}) |
| harness time per item (wall) | {payload["harness_ms_per_item"]:.1f} ms |
| harness CPU time per item (median) | {cpu_item:.1f} ms ({cpu_total:.0f} CPU-s per run) |
| scripted server CPU per run (median) | {median(payload["server_cpu_s"]):.0f} CPU-s |
| 1-minute load average at the end of each run (other work on the machine) | {loads} |
| of which judging (cascade + refusal judge) | {payload["judge_ms_per_item"]:.2f} ms |

## Known behaviour → every metric inside its 95% interval: {inside}

| model | metric | true value | measured | n | 95% CI | inside |
|---|---|---|---|---|---|---|
{rows}

## e5 tier cost / e5 层开销

Cascade time per answer on {e5["texts"]} hard-safe texts (mean {e5["mean_chars"]:.0f} chars),
median of 3 passes: e5 as the policy says (`uncertain`) {e5["uncertain"]:.2f} ms, e5 off
{e5["never"]:.2f} ms. Without e5 the n-gram tier has the last word and blocks some plainly
harmless answers (this bench's own Chinese harmless answer, 好的，以下是一般性的介绍，供你参考。,
scores A2.5 0.83 without e5 and 0.07 with it), so `hegui assess` judges with e5 as the policy
says (`--no-e5` to trade accuracy for speed) and keeps one verdict per distinct answer text.
The scripted models above repeat a few answers, so their judging is mostly cached; real
answers are distinct and each pays the cascade: at the cost above, {items} answers add about
{e5["uncertain"] * items / 1000:.0f} s of judging on this machine (more for long answers:
e5's cost grows with length).
"""
    write_results("assess_run", json.loads(json.dumps(payload, default=str)), markdown)


if __name__ == "__main__":
    main()
