"""Streamed answers through the gateway: added time to first token, the cost of the hold-back
window and check interval, and how much of an unsafe span reaches the client.

    .venv/bin/python bench/gateway_stream.py [--quick]

Writes bench/results/gateway_stream.{json,md}. The scripted upstream streams 500-character
answers in chunks of ``CHUNK_CHARS`` characters every ``CHUNK_DELAY_MS`` ms. One gateway
process serves one app per (window_chars, check_every_chars) cell of the grid, all on cn-tc260
without the e5 tier (with e5 every check of a long answer costs seconds; one app with cn-tc260
as shipped measures that separately). The grid has both release kinds: ``window`` (the newest
``window_chars`` always held back) and ``adaptive`` (the default: allowed text released at
once, except where a keyword or personal-data value may be forming).

* Added TTFT: median time to the first content character through the gateway minus directly,
  compared with the hold-back window in time: how long after its first character the upstream
  has sent ``window_chars`` more (in window release the first character may leave only then),
  measured on the direct streams of the same run.
* The same at 32/16 with one stream at a time, in both release kinds: what checking and
  proxying add without requests queueing behind each other on the gateway's event loop.
* Checks and gateway CPU per answer, from the audit records and the gateway process's CPU time.
* Unsafe suite: scripted streams (bench/gateway_texts.py) that turn unsafe midway with a span
  from the keyword library; for each, the characters of the span that reached the client, and
  whether the upstream's stream was cut before its end.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from _common import median, write_results
from gateway_harness import (
    Reply,
    Service,
    app_entry,
    audit_exchanges,
    chat_body,
    closed_loop,
    gateway,
    load_average,
    upstream,
    write_config,
)
from gateway_texts import SAFE_ANSWERS, SAFE_PROMPTS, UnsafeStream, unsafe_streams

CHUNK_CHARS = 4
CHUNK_DELAY_MS = 20
WINDOWS = (16, 32, 64)
INTERVALS = (8, 16, 32)
CONTEXT = 128  # the default context_chars
LONG_CONTEXT = 1024  # one extra cell: the earlier default, re-reading up to 1024 checked chars
RELEASES = ("window", "adaptive")
DEFAULT_CELL = (32, 16, CONTEXT, "adaptive")
WINDOW_CELL = (32, 16, CONTEXT, "window")
CONCURRENCY = 10

Cell = tuple[int, int, int, str]


def cell_label(cell: Cell) -> str:
    """``window/interval release``, with ``/context`` when it is not the default."""
    window, interval, context, release = cell
    return f"{window}/{interval}" + ("" if context == CONTEXT else f"/{context}") + f" {release}"


def cell_key(cell: Cell) -> str:
    return "sk-" + cell_label(cell).replace("/", "-").replace(" ", "-")


def stream_body(answer: str, prompt_of: str, stream_id: str | None = None) -> dict[str, Any]:
    extra: dict[str, str | int] = {"chunk_chars": CHUNK_CHARS, "chunk_delay_ms": CHUNK_DELAY_MS}
    if stream_id is not None:
        extra["stream_id"] = stream_id
    return chat_body(SAFE_PROMPTS[prompt_of], answer, stream=True, **extra)


def time_to_chars(reply: Reply, chars: int) -> float | None:
    """ms from the first content character to the moment ``chars`` characters had arrived."""
    if not reply.arrivals:
        return None
    first = reply.arrivals[0][0]
    return next((t - first for t, n in reply.arrivals if n >= chars), None)


def ttfts(replies: list[Reply]) -> list[float]:
    return [r.ttft_ms for r in replies if r.ttft_ms is not None and r.finish_reason == "stop"]


def safe_streams(
    base: str,
    answers: list[str],
    n: int,
    key: str,
    tag: str | None = None,
    concurrency: int = CONCURRENCY,
) -> tuple[list[Reply], float]:
    """``n`` streams of ``answers`` (cycled), ``concurrency`` at a time; returns the replies and
    the wall time. With ``tag``, stream ``i`` carries the upstream stream id ``tag-i`` (see
    :func:`upstream_called`)."""
    bodies = [
        stream_body(
            answers[i % len(answers)],
            answers[i % len(answers)],
            None if tag is None else f"{tag}-{i}",
        )
        for i in range(n)
    ]
    result = closed_loop(base, bodies, concurrency, key)
    return result.replies, result.wall_s


def upstream_called(up: Service, replies: list[Reply], tag: str) -> float:
    """Median ms from sending a request to the upstream receiving it (the upstream records the
    moment on the same monotonic clock): through the gateway, the prompt check and the hop.
    NaN when no stream completed."""
    delays = []
    for i, reply in enumerate(replies):
        record = httpx.get(f"{up.url}/bench/streams/{tag}-{i}").json()
        if reply.finish_reason == "stop" and "received_at" in record:
            delays.append((record["received_at"] - reply.sent_at) * 1000)
    return median(delays) if delays else float("nan")


def grid_cell(
    gw: Service, up: Service, db: str, answers: list[str], n: int, cell: Cell, run: int
) -> dict[str, Any]:
    cpu = gw.cpu_seconds()
    tag = f"{cell_key(cell)}-run{run}"
    replies, _ = safe_streams(gw.url, answers, n, cell_key(cell), tag)
    cpu_ms = (gw.cpu_seconds() - cpu) * 1000 / n
    records = audit_exchanges(db)
    checks = [
        records[r.request_id].get("stream_checks", 0)
        for r in replies
        if r.request_id in records and r.finish_reason == "stop"
    ]
    first_piece = [r.arrivals[0][1] for r in replies if r.arrivals]
    return {
        "ttft_ms": median(ttfts(replies)) if ttfts(replies) else None,
        "upstream_called_ms": upstream_called(up, replies, tag),
        "first_piece_chars": median(first_piece) if first_piece else None,
        "completed": sum(r.finish_reason == "stop" for r in replies),
        "n": n,
        "checks_per_answer": median(checks) if checks else None,
        "cpu_ms_per_answer": round(cpu_ms, 2),
    }


def one_at_a_time(
    gw: Service, up: Service, answers: list[str], n: int, run: int, cell: Cell
) -> dict[str, float]:
    """``cell`` with one stream at a time (no queueing behind other requests): the floor of
    what checking and proxying add. Direct and gateway streams of the same run."""
    key = cell_key(cell)
    tag = f"single-{cell[3]}"
    direct, _ = safe_streams(up.url, answers, n, key, f"{tag}-direct-run{run}", 1)
    through, _ = safe_streams(gw.url, answers, n, key, f"{tag}-gw-run{run}", 1)
    window = median([t for r in direct if (t := time_to_chars(r, cell[0] + 1)) is not None])
    added = median(ttfts(through)) - median(ttfts(direct))
    before = upstream_called(up, through, f"{tag}-gw-run{run}") - upstream_called(
        up, direct, f"{tag}-direct-run{run}"
    )
    return {
        "n": n,
        "added_ttft_ms": added,
        "upstream_ms_to_window": window,
        "added_beyond_window_ms": added - window,
        "before_upstream_ms": before,
    }


def unsafe_suite(gw: Service, up: Service, key: str, tag: str) -> list[dict[str, Any]]:
    streams = unsafe_streams()
    prompt_for = {s.name: next(k for k in SAFE_PROMPTS if k.startswith(s.lang)) for s in streams}
    ids = {s.name: f"{tag}-{s.name}-{time.monotonic_ns()}" for s in streams}
    bodies = [stream_body(s.name, prompt_for[s.name], ids[s.name]) for s in streams]
    replies = closed_loop(gw.url, bodies, len(streams), key).replies
    rows = []
    for stream, reply in zip(streams, replies, strict=True):
        rows.append(_leak_row(stream, reply, _upstream_record(up, ids[stream.name])))
    return rows


def _upstream_record(up: Service, stream_id: str) -> dict[str, Any]:
    """The upstream's account of a stream, once it has noticed how the stream ended."""
    deadline = time.monotonic() + 5
    while True:
        record: dict[str, Any] = httpx.get(f"{up.url}/bench/streams/{stream_id}").json()
        if record.get("completed") or record.get("cut") or time.monotonic() > deadline:
            return record
        time.sleep(0.05)


def _leak_row(
    stream: UnsafeStream, reply: Reply, upstream_record: dict[str, Any]
) -> dict[str, Any]:
    delivered = 0
    for a, b in zip(reply.content, stream.text, strict=False):
        if a != b:
            break
        delivered += 1
    span_sent = max(0, min(delivered, stream.span_end) - stream.span_start)
    answer = (reply.hegui or {}).get("answer") or {}
    return {
        "stream": stream.name,
        "span": stream.span,
        "span_start": stream.span_start,
        "answer_chars_sent": delivered,
        "span_chars_sent": span_sent,
        "finish_reason": reply.finish_reason,
        "blocked_by": answer.get("decided_by"),
        "categories": answer.get("categories"),
        "upstream_sent_chars": upstream_record.get("sent_chars"),
        "upstream_total_chars": upstream_record.get("total_chars"),
        "upstream_cut": bool(upstream_record.get("cut")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    n = 4 if args.quick else 20
    shipped_n = 1 if args.quick else 2
    cells: list[Cell] = [(w, i, CONTEXT, "window") for w in WINDOWS for i in INTERVALS]
    cells.append((32, 16, LONG_CONTEXT, "window"))
    cells += [(32, i, CONTEXT, "adaptive") for i in INTERVALS]
    if args.quick:
        cells = [DEFAULT_CELL, WINDOW_CELL, (64, 32, CONTEXT, "window")]
    results: dict[str, Any] = {
        "quick": args.quick,
        "chunk_chars": CHUNK_CHARS,
        "chunk_delay_ms": CHUNK_DELAY_MS,
        "concurrency": CONCURRENCY,
        "runs": runs,
        "streams_per_cell_and_run": n,
        "load_average": [load_average()],
    }
    with tempfile.TemporaryDirectory(prefix="hegui-bench-") as tmp:
        workdir = Path(tmp)
        db = f"sqlite:///{workdir / 'stream.db'}"
        with upstream(workdir) as up:
            apps = [
                app_entry(
                    workdir,
                    up.url,
                    name=cell_key(cell)[3:],
                    key=cell_key(cell),
                    policy="cheap-tiers",
                    stream={
                        "window_chars": w,
                        "check_every_chars": i,
                        "context_chars": c,
                        "release": release,
                    },
                )
                for cell in cells
                for w, i, c, release in [cell]
            ]
            apps.append(app_entry(workdir, up.url, name="shipped", key="sk-shipped"))
            with gateway(workdir, write_config(workdir, db, apps)) as gw:
                results.update(measure(gw, up, db, cells, runs, n, shipped_n))
        results["load_average"].append(load_average())
    write_results("gateway_stream", results, markdown(results))


def measure(
    gw: Service,
    up: Service,
    db: str,
    cells: list[Cell],
    runs: int,
    n: int,
    shipped_n: int,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    default_key = cell_key(DEFAULT_CELL)
    # which safe answers stream through whole (the cheap tiers flag some long answers)
    probe, _ = safe_streams(gw.url, list(SAFE_ANSWERS), len(SAFE_ANSWERS), default_key)
    passing = [a for a, r in zip(SAFE_ANSWERS, probe, strict=True) if r.finish_reason == "stop"]
    out["probe"] = {
        a: {"finish_reason": r.finish_reason, "answer": (r.hegui or {}).get("answer")}
        for a, r in zip(SAFE_ANSWERS, probe, strict=True)
    }
    out["passing_answers"] = passing
    if not passing:
        raise SystemExit("no safe answer streams through the gateway whole; nothing to time")
    per_run: list[dict[str, Any]] = []
    for run in range(runs):
        direct, _ = safe_streams(up.url, passing, n, default_key, f"direct-run{run}")
        row: dict[str, Any] = {
            "run": run + 1,
            "direct_ttft_ms": median(ttfts(direct)),
            "direct_upstream_called_ms": upstream_called(up, direct, f"direct-run{run}"),
            "upstream_ms_to_window": {
                w: median([t for r in direct if (t := time_to_chars(r, w + 1)) is not None])
                for w in WINDOWS
            },
            "cells": {},
        }
        for cell in cells:
            row["cells"][cell_label(cell)] = grid_cell(gw, up, db, passing, n, cell, run)
        row["one_at_a_time"] = {
            release: one_at_a_time(gw, up, passing, max(2, n // 2), run, cell)
            for release, cell in (("adaptive", DEFAULT_CELL), ("window", WINDOW_CELL))
        }
        per_run.append(row)
        print(row, flush=True)
    out["per_run"] = per_run
    out["grid"] = {}
    for cell in cells:
        w, i, c, release = cell
        key = cell_label(cell)
        cell_runs = [r["cells"][key] for r in per_run]
        added = [
            c["ttft_ms"] - r["direct_ttft_ms"] for c, r in zip(cell_runs, per_run, strict=True)
        ]
        out["grid"][key] = {
            "window_chars": w,
            "check_every_chars": i,
            "context_chars": c,
            "release": release,
            "added_ttft_ms": round(median(added), 1),
            "upstream_ms_to_window": round(
                median([r["upstream_ms_to_window"][w] for r in per_run]), 1
            ),
            "added_beyond_window_ms": round(
                median(
                    [
                        c["ttft_ms"] - r["direct_ttft_ms"] - r["upstream_ms_to_window"][w]
                        for c, r in zip(cell_runs, per_run, strict=True)
                    ]
                ),
                1,
            ),
            "before_upstream_ms": round(
                median(
                    [
                        c["upstream_called_ms"] - r["direct_upstream_called_ms"]
                        for c, r in zip(cell_runs, per_run, strict=True)
                    ]
                ),
                1,
            ),
            "guard_beyond_window_ms": round(
                median(
                    [
                        c["ttft_ms"]
                        - r["direct_ttft_ms"]
                        - r["upstream_ms_to_window"][w]
                        - (c["upstream_called_ms"] - r["direct_upstream_called_ms"])
                        for c, r in zip(cell_runs, per_run, strict=True)
                    ]
                ),
                1,
            ),
            "first_piece_chars": median(
                [c["first_piece_chars"] for c in cell_runs if c["first_piece_chars"]]
            ),
            "checks_per_answer": median([c["checks_per_answer"] for c in cell_runs]),
            "cpu_ms_per_answer": round(median([c["cpu_ms_per_answer"] for c in cell_runs]), 2),
            "completed": sum(c["completed"] for c in cell_runs),
            "n": sum(c["n"] for c in cell_runs),
        }
    out["one_at_a_time"] = {}
    for release in ("adaptive", "window"):
        singles = [r["one_at_a_time"][release] for r in per_run]
        out["one_at_a_time"][release] = {
            k: round(median([single[k] for single in singles]), 1)
            for k in ("added_ttft_ms", "upstream_ms_to_window", "added_beyond_window_ms")
        } | {
            "before_upstream_ms": round(median([x["before_upstream_ms"] for x in singles]), 2),
            "n_per_run": singles[0]["n"],
        }
    cpu = gw.cpu_seconds()
    shipped, _ = safe_streams(gw.url, passing, shipped_n, "sk-shipped")
    shipped_cpu = (gw.cpu_seconds() - cpu) * 1000 / shipped_n
    records = audit_exchanges(db)
    out["shipped"] = {
        "n": shipped_n,
        "window_chars": DEFAULT_CELL[0],
        "check_every_chars": DEFAULT_CELL[1],
        "release": DEFAULT_CELL[3],
        "ttft_ms": [r.ttft_ms for r in shipped],
        "total_ms": [round(r.latency_ms, 1) for r in shipped],
        "finish_reasons": [r.finish_reason for r in shipped],
        "checks": [records.get(r.request_id or "", {}).get("stream_checks") for r in shipped],
        "cpu_ms_per_answer": round(shipped_cpu, 1),
    }
    out["unsafe"] = {
        cell_label(cell): unsafe_suite(gw, up, cell_key(cell), cell_key(cell)) for cell in cells
    }
    return out


def markdown(results: dict[str, Any]) -> str:
    grid = results["grid"]
    rate = results["chunk_chars"] * 1000 / results["chunk_delay_ms"]
    lines = [
        "# Gateway: streamed answers",
        "",
        f"{'QUICK SMOKE RUN — not a measurement. ' if results['quick'] else ''}"
        f"Scripted upstream streaming {results['chunk_chars']}-character chunks every"
        f" {results['chunk_delay_ms']} ms ({rate:.0f} characters/s); {results['concurrency']}"
        " concurrent streams; upstream, gateway and load generator each in its own process on"
        " 127.0.0.1 of one 2-core machine shared with other work (load average 1/5/15 min at"
        f" start and end: {' → '.join(results['load_average'])}). Grid apps use cn-tc260 without"
        f" the e5 tier. {results['streams_per_cell_and_run']} streams per cell and run, medians"
        f" over {results['runs']} runs; the direct path is measured in each run.",
        "",
        f"Safe answers that stream through whole: {', '.join(results['passing_answers'])}"
        f" ({len(results['passing_answers'])} of {len(results['probe'])}; any other was stopped"
        " by the cheap tiers — see the JSON).",
        "",
        "## Added time to first token, checks and CPU per answer",
        "",
        "| window / interval [/ context] (chars), release | added TTFT ms"
        " | hold-back window, upstream ms | added beyond the window ms"
        " | of which before the upstream is called ms | of which after ms"
        " | first piece sent, chars | checks per answer | gateway CPU ms per answer | completed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, cell in grid.items():
        lines.append(
            f"| {key} | {cell['added_ttft_ms']} | {cell['upstream_ms_to_window']} "
            f"| {cell['added_beyond_window_ms']} | {cell['before_upstream_ms']} "
            f"| {cell['guard_beyond_window_ms']} | {cell['first_piece_chars']} "
            f"| {cell['checks_per_answer']} "
            f"| {cell['cpu_ms_per_answer']} | {cell['completed']}/{cell['n']} |"
        )
    shipped = results["shipped"]
    lines.append("")
    for release, cell in (("adaptive", DEFAULT_CELL), ("window", WINDOW_CELL)):
        single = results["one_at_a_time"][release]
        lines.append(
            f"One stream at a time ({cell_label(cell)}, {single['n_per_run']} streams per"
            f" run, medians over the runs): added TTFT {single['added_ttft_ms']} ms against a"
            f" hold-back window of {single['upstream_ms_to_window']} ms"
            f" ({single['added_beyond_window_ms']} ms beyond it), of which"
            f" {single['before_upstream_ms']} ms before the upstream is called (the prompt check"
            " and the extra hop, which a blocked prompt must never skip).\n"
        )
    lines += [
        f"With {results['concurrency']} streams arriving together, the rest of the grid's added"
        " time is requests waiting their turn on the gateway's event loop.",
        "",
        "Window release sends text only after a check, up to ``window_chars`` behind the newest"
        " character; adaptive release sends what a check allowed at once, except from where a"
        " keyword or a personal-data value may still be forming (a flagged check keeps the"
        " window). 'First piece sent' is the size of the first content piece the client got"
        f" (the upstream sends {results['chunk_chars']} characters at a time). 'Hold-back"
        " window, upstream ms' is how long after its first character the upstream had sent"
        " window_chars more: the earliest the first character can leave in window release; the"
        " added TTFT beyond it is the checks' and the proxying's own time (the issue asks for"
        " added TTFT ≤ the window). Adaptive release does not wait for the window, so there"
        " 'added beyond the window' is negative: the first token leaves that much sooner than"
        " the window would let it, and 'of which after' (the rest, by difference) has no"
        " meaning of its own. Window release's added time is split"
        " where the upstream receives the request (it notes the moment on the machine's"
        " monotonic clock, which the load generator shares): before, the gateway reads the"
        " request and checks the prompt, which must pass before the upstream may be called —"
        " the cost every request pays, streamed or not; after, the stream guard's checks and"
        " the relaying of pieces. Medians of per-run differences, so the two parts need not add"
        " up exactly.",
        "",
        f"cn-tc260 as shipped (e5 on), {shipped['window_chars']}/{shipped['check_every_chars']}"
        f" {shipped['release']}:"
        f" {shipped['n']} streams, TTFT ms {shipped['ttft_ms']}, total ms {shipped['total_ms']},"
        f" checks {shipped['checks']}, finish {shipped['finish_reasons']}, gateway CPU"
        f" {shipped['cpu_ms_per_answer']} ms per answer.",
        "",
        "## Streams that turn unsafe midway",
        "",
        "| window / interval [/ context], release | streams | blocked | by keywords"
        " | span chars sent (total, max) | streams with any span char sent | upstream cut |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, rows in results["unsafe"].items():
        sent = [r["span_chars_sent"] for r in rows]
        lines.append(
            f"| {key} | {len(rows)} | {sum(r['finish_reason'] == 'content_filter' for r in rows)} "
            f"| {sum(r['blocked_by'] == 'keywords' for r in rows)} | {sum(sent)}, {max(sent)} "
            f"| {sum(s > 0 for s in sent)} | {sum(r['upstream_cut'] for r in rows)} |"
        )
    default_rows = results["unsafe"].get(cell_label(DEFAULT_CELL), [])
    lines += [
        "",
        f"Per stream at {cell_label(DEFAULT_CELL)}:",
        "",
        "| stream | span (chars) | span starts at | answer chars sent | span chars sent"
        " | stopped by | upstream sent / total |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in default_rows:
        lines.append(
            f"| {r['stream']} | {r['span']} ({len(r['span'])}) | {r['span_start']} "
            f"| {r['answer_chars_sent']} | {r['span_chars_sent']} | {r['blocked_by']} "
            f"| {r['upstream_sent_chars']} / {r['upstream_total_chars']} |"
        )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
