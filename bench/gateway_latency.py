"""Added latency and saturation throughput of the gateway, non-streamed 500-character answers.

    .venv/bin/python bench/gateway_latency.py [--quick]

Writes bench/results/gateway_latency.{json,md}. The scripted upstream
(bench/gateway_upstream.py), the gateway (``hegui serve --config``) and this load generator
each run in their own process on 127.0.0.1. In every run the same requests go to the upstream
directly (the baseline) and through the gateway:

* saturation: 50 clients in a closed loop (each sends its next request as soon as it has an
  answer) give the throughput of each path;
* added latency: 50 clients sending, in total, half the gateway's saturation throughput of that
  run on a fixed schedule, to both paths; added p50 / p99 = gateway p50 / p99 minus direct.

Two gateway configurations: ``cn-tc260`` as shipped, and the same pack without the e5 tier
(``cascade.embedded: never``), which isolates what the gateway itself adds. The answers are
first checked with ``hegui check`` under both, to report which reach the e5 tier.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from _common import median, percentile, write_results
from gateway_harness import (
    CHEAP_TIERS_PACK,
    HEGUI,
    app_entry,
    audit_exchanges,
    chat_body,
    closed_loop,
    gateway,
    load_average,
    paced,
    upstream,
    write_config,
)
from gateway_texts import SAFE_ANSWERS, SAFE_PROMPTS, answer_text

CONCURRENCY = 50


def check_texts(workdir: Path, policy: str) -> list[dict[str, Any]]:
    """``hegui check`` over the answers (role answer) and prompts (role prompt)."""
    rows = []
    for role, texts in (
        ("answer", {k: answer_text(k) for k in SAFE_ANSWERS}),
        ("prompt", SAFE_PROMPTS),
    ):
        source = workdir / f"check-{role}.jsonl"
        source.write_text(
            "".join(
                json.dumps({"id": k, "text": t}, ensure_ascii=False) + "\n"
                for k, t in texts.items()
            ),
            encoding="utf-8",
        )
        done = subprocess.run(
            [HEGUI, "check", "--json", "--role", role, "--policy", policy, "--file", str(source)],
            capture_output=True,
            text=True,
            check=True,
        )
        for line in done.stdout.splitlines():
            result = json.loads(line)
            rows.append(
                {
                    "id": result["id"],
                    "role": role,
                    "chars": len(texts[result["id"]]),
                    "decision": result["decision"],
                    "decided_by": result["decided_by"],
                    "e5": "e5" in result["detectors_ms"],
                    "ms": round(result["latency_ms"], 1),
                }
            )
    return rows


def bodies(n: int) -> list[dict[str, Any]]:
    keys = list(SAFE_ANSWERS)
    return [chat_body(SAFE_PROMPTS[keys[i % len(keys)]], keys[i % len(keys)]) for i in range(n)]


def summary(result: Any) -> dict[str, Any]:
    ok = result.latencies()
    return {
        "n": len(result.replies),
        "errors": len(result.replies) - len(ok),
        "throughput_rps": round(result.throughput, 1),
        "p50_ms": round(percentile(ok, 0.5), 2),
        "p99_ms": round(percentile(ok, 0.99), 2),
    }


def measure(
    base_direct: str, base_gateway: str, n: int, runs: int, pace: bool, waited: dict[str, float]
) -> dict[str, Any]:
    """Saturation (and, with ``pace``, paced) runs against both paths; the client-side latency
    of each paced gateway request is added to ``waited`` by request id."""
    per_run = []
    for run in range(runs):
        sat_direct = closed_loop(base_direct, bodies(n), CONCURRENCY)
        sat_gateway = closed_loop(base_gateway, bodies(n), CONCURRENCY)
        row: dict[str, Any] = {
            "run": run + 1,
            "load_average": load_average(),
            "saturation": {"direct": summary(sat_direct), "gateway": summary(sat_gateway)},
            "decisions": _decisions(sat_gateway.replies),
        }
        if pace:
            rate = max(1.0, sat_gateway.throughput / 2)
            direct = summary(paced(base_direct, bodies(n), CONCURRENCY, rate))
            gateway_result = paced(base_gateway, bodies(n), CONCURRENCY, rate)
            waited.update(
                {r.request_id: r.latency_ms for r in gateway_result.replies if r.request_id}
            )
            through = summary(gateway_result)
            row["paced"] = {
                "rate_rps": round(rate, 1),
                "direct": direct,
                "gateway": through,
                "added_p50_ms": round(through["p50_ms"] - direct["p50_ms"], 2),
                "added_p99_ms": round(through["p99_ms"] - direct["p99_ms"], 2),
            }
            # the same at a quarter of saturation: how the tail depends on the load
            light = rate / 2
            light_direct = summary(paced(base_direct, bodies(n), CONCURRENCY, light))
            light_gateway = summary(paced(base_gateway, bodies(n), CONCURRENCY, light))
            row["paced_quarter"] = {
                "rate_rps": round(light, 1),
                "added_p50_ms": round(light_gateway["p50_ms"] - light_direct["p50_ms"], 2),
                "added_p99_ms": round(light_gateway["p99_ms"] - light_direct["p99_ms"], 2),
            }
        per_run.append(row)
        print(json.dumps(row), flush=True)
    out: dict[str, Any] = {"runs": per_run, "requests_per_phase": n}
    out["median"] = {
        "direct_throughput_rps": median(
            [r["saturation"]["direct"]["throughput_rps"] for r in per_run]
        ),
        "gateway_throughput_rps": median(
            [r["saturation"]["gateway"]["throughput_rps"] for r in per_run]
        ),
        "saturation_direct_p50_ms": median([r["saturation"]["direct"]["p50_ms"] for r in per_run]),
        "saturation_direct_p99_ms": median([r["saturation"]["direct"]["p99_ms"] for r in per_run]),
        "saturation_gateway_p50_ms": median(
            [r["saturation"]["gateway"]["p50_ms"] for r in per_run]
        ),
        "saturation_gateway_p99_ms": median(
            [r["saturation"]["gateway"]["p99_ms"] for r in per_run]
        ),
    }
    if pace:
        out["median"]["added_p50_ms"] = median([r["paced"]["added_p50_ms"] for r in per_run])
        out["median"]["added_p99_ms"] = median([r["paced"]["added_p99_ms"] for r in per_run])
        out["median"]["paced_rate_rps"] = median([r["paced"]["rate_rps"] for r in per_run])
        for key in ("rate_rps", "added_p50_ms", "added_p99_ms"):
            out["median"][f"quarter_{key}"] = median([r["paced_quarter"][key] for r in per_run])
    out["median"] = {k: round(v, 2) for k, v in out["median"].items()}
    return out


def breakdown(database_url: str, client_ms: dict[str, float]) -> dict[str, Any]:
    """Median and 99th-percentile time per part of a request, from the gateway's own audit
    records: the cascade on the prompt and on the answer (each detector's time summed), the
    upstream call, the rest of the time from the handler's start to the record, and what the
    client waited beyond that (HTTP, the record's commit, the response)."""
    records = audit_exchanges(database_url)
    parts: dict[str, list[float]] = {}
    for rid, waited in client_ms.items():
        body = records.get(rid)
        if body is None:
            continue
        times = body["latency_ms"]
        prompt = sum((body.get("prompt") or {}).get("latency_ms", {}).values())
        answer = sum((body.get("answer") or {}).get("latency_ms", {}).values())
        ngram = sum(
            (body.get(role) or {}).get("latency_ms", {}).get("ngram", 0.0)
            for role in ("prompt", "answer")
        )
        upstream_ms = times["upstream"] or 0.0
        for key, value in (
            ("gateway_total_ms", times["total"]),
            ("upstream_ms", upstream_ms),
            ("prompt_cascade_ms", prompt),
            ("answer_cascade_ms", answer),
            ("ngram_ms", ngram),
            ("rest_ms", times["total"] - upstream_ms - prompt - answer),
            ("client_beyond_handler_ms", waited - times["total"]),
        ):
            parts.setdefault(key, []).append(value)
    out: dict[str, Any] = {
        k: {"p50": round(median(v), 2), "p99": round(percentile(v, 0.99), 2)}
        for k, v in parts.items()
    }
    out["n"] = len(parts.get("gateway_total_ms", []))
    return out


def _decisions(replies: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reply in replies:
        decision = (reply.hegui or {}).get("decision", "error" if reply.error else "none")
        counts[decision] = counts.get(decision, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    default_runs = 1 if args.quick else 2
    cheap_n = 200 if args.quick else 1200
    default_n = 10 if args.quick else 30

    results: dict[str, Any] = {"concurrency": CONCURRENCY, "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="hegui-bench-") as tmp:
        workdir = Path(tmp)
        pack = workdir / "cheap-tiers.yaml"
        pack.write_text(yaml.safe_dump(CHEAP_TIERS_PACK, allow_unicode=True), encoding="utf-8")
        results["checks"] = {
            "cn-tc260": check_texts(workdir, "cn-tc260"),
            "cheap-tiers": check_texts(workdir, str(pack)),
        }
        with upstream(workdir) as up:
            for name, policy, n, times, pace in (
                ("cheap-tiers", "cheap-tiers", cheap_n, runs, True),
                ("cn-tc260", "cn-tc260", default_n, default_runs, False),
            ):
                app = app_entry(workdir, up.url, policy=policy)
                db = f"sqlite:///{workdir / name}.db"
                config = write_config(workdir, db, [app])
                with gateway(workdir, config) as gw:
                    closed_loop(gw.url, bodies(len(SAFE_ANSWERS) * 2), 4)  # load lazy models
                    closed_loop(up.url, bodies(len(SAFE_ANSWERS) * 2), 4)
                    cpu_before = gw.cpu_seconds()
                    waited: dict[str, float] = {}
                    results[name] = measure(up.url, gw.url, n, times, pace, waited)
                    if waited:
                        results[name]["breakdown"] = breakdown(db, waited)
                    served = n * times * (3 if pace else 1)  # saturation, half and quarter load
                    results[name]["gateway_cpu_ms_per_request"] = round(
                        (gw.cpu_seconds() - cpu_before) * 1000 / served, 2
                    )
    write_results("gateway_latency", results, markdown(results))


def markdown(results: dict[str, Any]) -> str:
    cheap = results["cheap-tiers"]
    full = results["cn-tc260"]
    lines = [
        "# Gateway: added latency and throughput, non-streamed 500-character answers",
        "",
        f"{'QUICK SMOKE RUN — not a measurement. ' if results['quick'] else ''}"
        f"{CONCURRENCY} concurrent clients (aiohttp), scripted upstream, gateway and load generator"
        " each in its own process on 127.0.0.1 of one 2-core machine shared with other work;"
        " the direct path (clients → upstream) is measured in the same run. Medians over"
        f" {len(cheap['runs'])} runs. Load average (1/5/15 min) per run:"
        f" {'; '.join(r['load_average'] for r in cheap['runs'] + full['runs'])}.",
        "",
        "## What the answers cost the cascade (`hegui check`)",
        "",
        "| text | role | chars | cn-tc260: decision (by) | e5 ran | ms"
        " | without e5: decision (by) |",
        "|---|---|---|---|---|---|---|",
    ]
    cheap_checks = {(c["id"], c["role"]): c for c in results["checks"]["cheap-tiers"]}
    for c in results["checks"]["cn-tc260"]:
        other = cheap_checks[(c["id"], c["role"])]
        lines.append(
            f"| {c['id']} | {c['role']} | {c['chars']} "
            f"| {c['decision']} ({c['decided_by'] or '-'}) "
            f"| {'yes' if c['e5'] else 'no'} | {c['ms']} | {other['decision']} "
            f"({other['decided_by'] or '-'}) |"
        )
    answers = [c for c in results["checks"]["cn-tc260"] if c["role"] == "answer"]
    lines += [
        "",
        f"e5 ran on {sum(c['e5'] for c in answers)} of {len(answers)} answers;"
        f" {sum(c['decision'] != 'allow' for c in answers)} of {len(answers)} safe answers were"
        " not allowed (flag or block) under cn-tc260.",
        "",
        "## Through the gateway without the e5 tier (what the gateway itself adds)",
        "",
        f"{cheap['requests_per_phase']} requests per phase and path.",
        "",
        "| figure | direct | gateway | added | target |",
        "|---|---|---|---|---|",
        f"| throughput at saturation, req/s | {cheap['median']['direct_throughput_rps']} "
        f"| {cheap['median']['gateway_throughput_rps']} | | reported |",
        f"| p50 at {cheap['median']['paced_rate_rps']} req/s offered, ms | "
        f"{median([r['paced']['direct']['p50_ms'] for r in cheap['runs']])} | "
        f"{median([r['paced']['gateway']['p50_ms'] for r in cheap['runs']])} | "
        f"{cheap['median']['added_p50_ms']} | ≤ 10 |",
        f"| p99 at {cheap['median']['paced_rate_rps']} req/s offered, ms | "
        f"{median([r['paced']['direct']['p99_ms'] for r in cheap['runs']])} | "
        f"{median([r['paced']['gateway']['p99_ms'] for r in cheap['runs']])} | "
        f"{cheap['median']['added_p99_ms']} | ≤ 60 |",
        f"| added p50 / p99 at {cheap['median']['quarter_rate_rps']} req/s offered (a quarter of"
        f" saturation), ms | | | {cheap['median']['quarter_added_p50_ms']} / "
        f"{cheap['median']['quarter_added_p99_ms']} | |",
        f"| p50 / p99 at saturation, ms | {cheap['median']['saturation_direct_p50_ms']} / "
        f"{cheap['median']['saturation_direct_p99_ms']} "
        f"| {cheap['median']['saturation_gateway_p50_ms']} / "
        f"{cheap['median']['saturation_gateway_p99_ms']} | | |",
        "",
        f"Gateway CPU per request: {cheap['gateway_cpu_ms_per_request']} ms."
        f" Decisions at saturation (run 1): {cheap['runs'][0]['decisions']}.",
        "",
        "Where a paced request's time goes, from the gateway's audit records (p50 and p99 over"
        f" {cheap['breakdown']['n']} requests; detector times are wall times;"
        " 'rest' is the handler's own time from its start to the record, before the"
        " record's commit; 'client beyond handler' is the client's latency minus the handler's"
        " total: HTTP in and out of the gateway and the wait for the record's commit):",
        "",
        "| part | p50 ms | p99 ms |",
        "|---|---|---|",
        *[f"| {k} | {v['p50']} | {v['p99']} |" for k, v in cheap["breakdown"].items() if k != "n"],
        "",
        "## Through the gateway with cn-tc260 as shipped (e5 on)",
        "",
        f"{full['requests_per_phase']} requests per run and path, closed loop only.",
        "",
        "| figure | direct | gateway |",
        "|---|---|---|",
        f"| throughput at saturation, req/s | {full['median']['direct_throughput_rps']} "
        f"| {full['median']['gateway_throughput_rps']} |",
        f"| p50 / p99 at saturation, ms | {full['median']['saturation_direct_p50_ms']} / "
        f"{full['median']['saturation_direct_p99_ms']} "
        f"| {full['median']['saturation_gateway_p50_ms']} / "
        f"{full['median']['saturation_gateway_p99_ms']} |",
        "",
        f"Gateway CPU per request: {full['gateway_cpu_ms_per_request']} ms."
        f" Decisions (run 1): {full['runs'][0]['decisions']}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
