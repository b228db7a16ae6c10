"""A bounded load test of the gateway: no request lost from the audit log, chain intact.

    .venv/bin/python bench/gateway_load.py [--quick] [--postgres | --no-postgres]

Writes bench/results/gateway_load.{json,md}. A fixed number of requests (20,000; 500 with
``--quick``) from 50 concurrent clients on 127.0.0.1: safe prompts answered whole (75%) or
streamed (5%), and prompts the keyword tier blocks (20%, a quarter of them streamed), from
2,503 distinct users, so some collect enough strikes to be restricted (Art. 14(2)).
Afterwards the audit log must hold exactly one exchange record per request the gateway
answered (counted by request id) and ``hegui audit verify`` must pass. Run against SQLite
and, when it is reachable on 127.0.0.1:5432, PostgreSQL (a fresh schema, dropped
afterwards). The app uses cn-tc260 without the e5 tier: with it, every 500-character answer
costs seconds of CPU (see gateway_latency.md), and this test is about the records, not the
detectors.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

from _common import write_results
from gateway_harness import (
    HEGUI,
    app_entry,
    audit_exchanges,
    chat_body,
    closed_loop,
    gateway,
    load_average,
    upstream,
    write_config,
)
from gateway_texts import SAFE_ANSWERS, SAFE_PROMPTS, UNSAFE_PROMPTS

CONCURRENCY = 50
USERS = 2503
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def request_mix(n: int) -> list[dict[str, Any]]:
    """The i-th request of the test (deterministic, so a rerun sends the same load)."""
    answers = list(SAFE_ANSWERS)
    bodies = []
    for i in range(n):
        slot = i % 20
        answer = answers[i % len(answers)]
        if slot in (0, 1, 10, 11):
            prompt = UNSAFE_PROMPTS[i % len(UNSAFE_PROMPTS)]
            body = chat_body(prompt, answer, stream=slot == 1, chunk_chars=50, chunk_delay_ms=0)
        else:
            body = chat_body(
                SAFE_PROMPTS[answer], answer, stream=slot == 2, chunk_chars=50, chunk_delay_ms=0
            )
        body["user"] = f"user-{i % USERS}"
        bodies.append(body)
    return bodies


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def run_against(workdir: Path, database_url: str, n: int) -> dict[str, Any]:
    with upstream(workdir) as up:
        app = app_entry(workdir, up.url, policy="cheap-tiers")
        with gateway(workdir, write_config(workdir, database_url, [app])) as gw:
            load_before = load_average()
            result = closed_loop(gw.url, request_mix(n), CONCURRENCY)
            load_after = load_average()
    statuses: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    for reply in result.replies:
        statuses[str(reply.status)] = statuses.get(str(reply.status), 0) + 1
        stage = (reply.hegui or {}).get("stage") or (
            "no completion" if reply.request_id is None else "?"
        )
        outcomes[stage] = outcomes.get(stage, 0) + 1
    answered = [r.request_id for r in result.replies if r.request_id is not None]
    kinds: dict[str, int] = {}
    records = audit_exchanges(database_url, kinds)
    counts = {rid: body["#count"] for rid, body in records.items()}
    verify = subprocess.run(
        [HEGUI, "audit", "verify", "--database", database_url],
        capture_output=True,
        text=True,
        env=dict(os.environ, COLUMNS="200"),
    )
    return {
        "requests": n,
        "wall_s": round(result.wall_s, 1),
        "throughput_rps": round(result.throughput, 1),
        "load_average": [load_before, load_after],
        "client_errors": sum(r.error is not None for r in result.replies),
        "statuses": statuses,
        "outcomes": outcomes,
        "answered_with_request_id": len(answered),
        "distinct_request_ids": len(set(answered)),
        "answered_with_exactly_one_record": sum(counts.get(rid) == 1 for rid in answered),
        "answered_without_record": sum(rid not in counts for rid in answered),
        "answered_with_several_records": sum(counts.get(rid, 0) > 1 for rid in answered),
        "records_for_unknown_requests": len(set(counts) - set(answered)),
        "exchange_records": sum(counts.values()),
        "streamed_records": sum(1 for body in records.values() if body.get("stream")),
        "records_by_kind": kinds,
        "errors_recorded": _errors(records),
        "verify_exit_code": verify.returncode,
        "verify_output": " ".join(verify.stdout.split()),
    }


def _errors(records: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Why requests failed, as their exchange records say (e.g. an upstream error)."""
    found: dict[str, int] = {}
    for body in records.values():
        if body.get("error"):
            found[str(body["error"])] = found.get(str(body["error"]), 0) + 1
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument(
        "--postgres",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run against PostgreSQL on 127.0.0.1:5432 (default: when reachable)",
    )
    args = parser.parse_args()
    n = 500 if args.quick else 20_000
    results: dict[str, Any] = {"quick": args.quick, "concurrency": CONCURRENCY, "users": USERS}
    with tempfile.TemporaryDirectory(prefix="hegui-bench-") as tmp:
        workdir = Path(tmp)
        results["sqlite"] = run_against(workdir, f"sqlite:///{workdir / 'load.db'}", n)
        print(results["sqlite"], flush=True)
        use_pg = postgres_reachable() if args.postgres is None else args.postgres
        if use_pg:
            results["postgresql"] = _run_postgres(workdir, n)
            print(results["postgresql"], flush=True)
    write_results("gateway_load", results, markdown(results))


def _run_postgres(workdir: Path, n: int) -> dict[str, Any]:
    import sqlalchemy as sa

    schema = f"hegui_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        result = run_against(workdir, f"{PG_URL}?options=-csearch_path%3D{schema}", n)
        result["schema"] = schema
        return result
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Gateway: bounded load test and the audit log",
        "",
        f"{'QUICK SMOKE RUN — not a measurement. ' if results['quick'] else ''}"
        f"{results['concurrency']} concurrent clients on 127.0.0.1 (closed loop),"
        f" {results['users']} distinct users; upstream, gateway and load generator each in"
        " its own process on one 2-core machine shared with other work. Mix: 75% safe"
        " prompts answered whole, 5% safe streamed, 15% blocked prompts answered whole,"
        " 5% blocked prompts streamed; answers of 500 characters. cn-tc260 without the e5"
        " tier.",
        "",
        "| figure | " + " | ".join(k for k in ("sqlite", "postgresql") if k in results) + " |",
        "|---|" + "---|" * sum(k in results for k in ("sqlite", "postgresql")),
    ]
    rows = [
        ("requests sent", "requests"),
        ("wall time, s", "wall_s"),
        ("throughput, req/s", "throughput_rps"),
        ("load average before → after", "load_average"),
        ("client-side errors", "client_errors"),
        ("HTTP statuses", "statuses"),
        ("outcomes", "outcomes"),
        ("answered with a request id", "answered_with_request_id"),
        ("… with exactly one exchange record", "answered_with_exactly_one_record"),
        ("… with no record", "answered_without_record"),
        ("… with several records", "answered_with_several_records"),
        ("exchange records of requests never answered", "records_for_unknown_requests"),
        ("exchange records in the log", "exchange_records"),
        ("… of streamed requests", "streamed_records"),
        ("all records by kind", "records_by_kind"),
        ("errors in exchange records", "errors_recorded"),
        ("`hegui audit verify` exit code", "verify_exit_code"),
        ("`hegui audit verify` says", "verify_output"),
    ]
    for label, key in rows:
        cells = []
        for db in ("sqlite", "postgresql"):
            if db in results:
                value = results[db][key]
                cells.append(" → ".join(value) if key == "load_average" else str(value))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
