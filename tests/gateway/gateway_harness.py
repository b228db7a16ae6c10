"""A real gateway on 127.0.0.1 (uvicorn in a thread) in front of a scripted upstream: the
helpers the gateway tests import (the fixtures are in conftest.py)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from hegui.gateway import AppConfig, GatewayConfig, create_app, hash_api_key
from support.scripted_openai import ScriptedOpenAI

KEY = "sk-test-public"
LABEL_KEY = "test-label-key"


@dataclass
class RunningGateway:
    """A started gateway: its base URL, config and the objects behind it."""

    url: str
    config: GatewayConfig
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def client(self, key: str = KEY, **kwargs: Any) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
            **kwargs,
        )

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gateway(config: GatewayConfig) -> RunningGateway:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("gateway did not start")
        time.sleep(0.02)
    return RunningGateway(f"http://127.0.0.1:{port}", config, server, thread)


def app_config(upstream: ScriptedOpenAI, **overrides: Any) -> AppConfig:
    settings: dict[str, Any] = {
        "name": "public-app",
        "api_key_sha256": [hash_api_key(KEY)],
        "upstream": upstream.base_url,
        "policy": "cn-tc260",
        "scope": "public",
    }
    settings.update(overrides)
    return AppConfig.model_validate(settings)
