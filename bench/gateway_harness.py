"""Processes and clients shared by the gateway benchmarks.

The scripted upstream and the gateway (``hegui serve --config``) each run in their own process
on 127.0.0.1; the benchmark script itself is the load generator (aiohttp, one event loop).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psutil
import yaml

from _common import ROOT

HEGUI = str(Path(sys.executable).with_name("hegui"))
KEY = "sk-bench"
LABEL_KEY = "bench-label-key"
MODEL = "bench-model"
CHEAP_TIERS_PACK = {
    "id": "bench-cn-tc260-cheap-tiers",
    "version": "1.0.0",
    "extends": ["cn-tc260"],
    "name": {"zh": "基准：不运行 e5 层的 cn-tc260", "en": "Bench: cn-tc260 without the e5 tier"},
    "cascade": {"embedded": "never"},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_average() -> str:
    """``uptime``'s load averages (1, 5, 15 min), to state the machine load at measurement."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


@dataclass
class Service:
    """A started server process and its base URL."""

    url: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far."""
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{url} did not become healthy within {within_s:.0f} s; see {log}")


@contextmanager
def _service(args: list[str], port: int, log: Path, env: dict[str, str]) -> Iterator[Service]:
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log, 240)
        yield Service(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def upstream(workdir: Path) -> Iterator[Service]:
    """The scripted upstream (bench/gateway_upstream.py) in its own process."""
    port = free_port()
    script = str(ROOT / "bench" / "gateway_upstream.py")
    with _service(
        [sys.executable, script, "--port", str(port)],
        port,
        workdir / "upstream.log",
        dict(os.environ),
    ) as service:
        yield service


def app_entry(
    workdir: Path,
    upstream_url: str,
    name: str = "bench",
    key: str = KEY,
    policy: str = "cn-tc260",
    stream: dict[str, int] | None = None,
) -> dict[str, Any]:
    """One public app of the config; ``policy="cheap-tiers"`` is cn-tc260 without the e5 tier."""
    from hegui.gateway import hash_api_key

    if policy == "cheap-tiers":
        pack = workdir / "cheap-tiers.yaml"
        pack.write_text(yaml.safe_dump(CHEAP_TIERS_PACK, allow_unicode=True), encoding="utf-8")
        policy = str(pack)
    app: dict[str, Any] = {
        "name": name,
        "api_key_sha256": [hash_api_key(key)],
        "upstream": f"{upstream_url}/v1",
        "models": [MODEL],
        "policy": policy,
        "scope": "public",
    }
    if stream:
        app["stream"] = stream
    return app


def write_config(workdir: Path, database_url: str, apps: list[dict[str, Any]]) -> Path:
    """A gateway config file serving ``apps`` (see :func:`app_entry`)."""
    config = {"apps": apps, "database_url": database_url, "provider_name": "hegui-bench"}
    path = workdir / f"gateway-{time.monotonic_ns()}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@contextmanager
def gateway(workdir: Path, config: Path) -> Iterator[Service]:
    """``hegui serve --config`` in its own process."""
    port = free_port()
    env = dict(os.environ, HEGUI_LABEL_KEY=LABEL_KEY)
    with _service(
        [HEGUI, "serve", "--config", str(config), "--port", str(port)],
        port,
        workdir / f"{config.stem}.log",
        env,
    ) as service:
        yield service


def chat_body(
    prompt: str, answer: str, stream: bool = False, **metadata: str | int | float
) -> dict[str, Any]:
    """A chat request naming the scripted answer the upstream should give."""
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": prompt}],
        "stream": stream,
        "metadata": {"answer": answer, **{k: str(v) for k, v in metadata.items()}},
    }


@dataclass
class Reply:
    """What the client saw for one request."""

    status: int
    latency_ms: float
    request_id: str | None = None
    content: str = ""
    finish_reason: str | None = None
    ttft_ms: float | None = None
    hegui: dict[str, Any] | None = None
    error: str | None = None
    arrivals: list[tuple[float, int]] = field(default_factory=list)
    """For a stream: (ms since the request was sent, characters of content received so far)."""
    sent_at: float = 0.0
    """``time.perf_counter()`` when the request was sent."""


@dataclass
class LoadResult:
    """Replies of one load run, with its wall time."""

    replies: list[Reply]
    wall_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return len(self.replies) / self.wall_s if self.wall_s else float("nan")

    def latencies(self) -> list[float]:
        return [r.latency_ms for r in self.replies if r.error is None]


async def _send(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Reply:
    started = time.perf_counter()
    try:
        async with session.post(url, json=body) as resp:
            request_id = resp.headers.get("X-Hegui-Request-Id")
            if not body.get("stream"):
                data = await resp.json(content_type=None)
                elapsed = (time.perf_counter() - started) * 1000
                choice = (data.get("choices") or [{}])[0]
                return Reply(
                    resp.status,
                    elapsed,
                    request_id,
                    (choice.get("message") or {}).get("content") or "",
                    choice.get("finish_reason"),
                    hegui=data.get("hegui"),
                )
            pieces: list[str] = []
            arrivals: list[tuple[float, int]] = []
            received = 0
            ttft: float | None = None
            finish: str | None = None
            hegui: dict[str, Any] | None = None
            async for raw in resp.content:
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:") or line == "data: [DONE]":
                    continue
                event = json.loads(line[5:])
                choice = (event.get("choices") or [{}])[0]
                piece = (choice.get("delta") or {}).get("content") or ""
                if piece:
                    now = (time.perf_counter() - started) * 1000
                    ttft = now if ttft is None else ttft
                    received += len(piece)
                    arrivals.append((now, received))
                    pieces.append(piece)
                finish = choice.get("finish_reason") or finish
                hegui = event.get("hegui") or hegui
            elapsed = (time.perf_counter() - started) * 1000
            return Reply(
                resp.status,
                elapsed,
                request_id,
                "".join(pieces),
                finish,
                ttft,
                hegui,
                None,
                arrivals,
                started,
            )
    except (TimeoutError, aiohttp.ClientError, ValueError) as err:
        elapsed = (time.perf_counter() - started) * 1000
        return Reply(0, elapsed, error=f"{type(err).__name__}: {err}")


def _session(concurrency: int, key: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency, force_close=False),
        headers={"Authorization": f"Bearer {key}"},
        timeout=aiohttp.ClientTimeout(total=600),
    )


async def _closed_loop(
    base_url: str, bodies: Sequence[dict[str, Any]], concurrency: int, key: str
) -> LoadResult:
    url = f"{base_url}/v1/chat/completions"
    replies: list[Reply | None] = [None] * len(bodies)
    cursor = iter(range(len(bodies)))
    async with _session(concurrency, key) as session:

        async def client() -> None:
            for i in cursor:
                replies[i] = await _send(session, url, bodies[i])

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return LoadResult([r for r in replies if r is not None], wall)


async def _paced(
    base_url: str, bodies: Sequence[dict[str, Any]], concurrency: int, rate: float, key: str
) -> LoadResult:
    url = f"{base_url}/v1/chat/completions"
    replies: list[Reply | None] = [None] * len(bodies)
    cursor = iter(range(len(bodies)))
    async with _session(concurrency, key) as session:
        started = time.perf_counter()

        async def client() -> None:
            # request i is due at i / rate; each of the clients takes the next due request
            for i in cursor:
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                replies[i] = await _send(session, url, bodies[i])

        await asyncio.gather(*(client() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return LoadResult([r for r in replies if r is not None], wall)


def closed_loop(
    base_url: str, bodies: Sequence[dict[str, Any]], concurrency: int, key: str = KEY
) -> LoadResult:
    """``concurrency`` clients, each sending its next request as soon as one is answered."""
    return asyncio.run(_closed_loop(base_url, bodies, concurrency, key))


def paced(
    base_url: str, bodies: Sequence[dict[str, Any]], concurrency: int, rate: float, key: str = KEY
) -> LoadResult:
    """``concurrency`` clients sending ``rate`` requests per second in total, on a fixed
    schedule (a request late because all clients were busy is sent as soon as one frees)."""
    return asyncio.run(_paced(base_url, bodies, concurrency, rate, key))


def audit_exchanges(
    database_url: str, kinds: dict[str, int] | None = None
) -> dict[str, dict[str, Any]]:
    """Exchange record bodies by request id, and ``"#count"``: exchange records per request id
    (a request recorded twice counts twice). ``kinds``, if given, receives records per kind."""
    from hegui.gateway import AuditLog, open_database

    engine = open_database(database_url)
    bodies: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    try:
        for record in AuditLog(engine).records():
            if kinds is not None:
                kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
            if record["kind"] != "exchange":
                continue
            rid = str(record["request_id"])
            counts[rid] = counts.get(rid, 0) + 1
            bodies[rid] = record
    finally:
        engine.dispose()
    return {rid: {**bodies[rid], "#count": n} for rid, n in counts.items()}
