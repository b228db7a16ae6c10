"""``hegui serve`` as a real process: the quick form, labels verified by the CLI, and a kill -9
that loses nothing already acknowledged."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from typer.testing import CliRunner

from gateway_harness import free_port
from hegui.cli import app as cli
from support.scripted_openai import ScriptedOpenAI

HEGUI = str(Path(sys.executable).with_name("hegui"))


def _start(upstream: ScriptedOpenAI, cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            HEGUI,
            "serve",
            "--upstream",
            upstream.base_url,
            "--api-key",
            "sk-quick",
            "--port",
            str(port),
            "--policy",
            "cn-tc260",
        ],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("hegui serve did not start")


def test_quick_form_serves_and_labels_verify_from_the_cli(
    scripted_openai: Callable[..., ScriptedOpenAI], tmp_path: Path
) -> None:
    upstream = scripted_openai(default_reply="Paris is the capital of France.")
    process, url = _start(upstream, tmp_path)
    try:
        reply = httpx.post(
            f"{url}/v1/chat/completions",
            headers={"Authorization": "Bearer sk-quick"},
            json={"model": "scripted-model", "messages": [{"role": "user", "content": "capital?"}]},
            timeout=30,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    saved = tmp_path / "reply.json"
    saved.write_text(reply.text, encoding="utf-8")
    key = tmp_path / "hegui-label.key"
    runner = CliRunner()
    ok = runner.invoke(
        cli, ["label", "verify", str(saved), "--key-file", str(key), "--policy", "cn-tc260"]
    )
    assert ok.exit_code == 0 and "label valid" in ok.output
    data = json.loads(reply.text)
    data["choices"][0]["message"]["content"] = data["choices"][0]["message"]["content"].replace(
        "Paris", "Lyon"
    )
    saved.write_text(json.dumps(data), encoding="utf-8")
    bad = runner.invoke(cli, ["label", "verify", str(saved), "--key-file", str(key)])
    assert bad.exit_code == 1 and "signature mismatch" in bad.output
    stripped = runner.invoke(
        cli, ["label", "verify", str(tmp_path / "missing.json"), "--key-file", str(key)]
    )
    assert stripped.exit_code == 2
    db = f"sqlite:///{tmp_path / 'hegui.db'}"
    assert runner.invoke(cli, ["audit", "verify", "--database", db]).exit_code == 0


def test_a_killed_gateway_keeps_every_acknowledged_record(
    scripted_openai: Callable[..., ScriptedOpenAI], tmp_path: Path
) -> None:
    upstream = scripted_openai(default_reply="好的，这是一个普通的回答。")
    process, url = _start(upstream, tmp_path)
    acknowledged: list[str] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(timeout=10, headers={"Authorization": "Bearer sk-quick"}) as client:
            while not stop.is_set():
                try:
                    reply = client.post(
                        f"{url}/v1/chat/completions",
                        json={
                            "model": "scripted-model",
                            "messages": [{"role": "user", "content": "讲个笑话"}],
                        },
                    )
                    acknowledged.append(reply.json()["hegui"]["request_id"])
                except (httpx.HTTPError, ValueError, KeyError):
                    return

    workers = [threading.Thread(target=load) for _ in range(4)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    stop.set()
    for worker in workers:
        worker.join(timeout=15)
    assert len(acknowledged) >= 40

    db = f"sqlite:///{tmp_path / 'hegui.db'}"
    runner = CliRunner()
    verified = runner.invoke(cli, ["audit", "verify", "--database", db])
    assert verified.exit_code == 0, verified.output
    out = tmp_path / "all.jsonl"
    assert (
        runner.invoke(cli, ["audit", "export", "--database", db, "--out", str(out)]).exit_code == 0
    )
    recorded = {json.loads(line)["request_id"] for line in out.read_text().splitlines()}
    assert set(acknowledged) <= recorded
