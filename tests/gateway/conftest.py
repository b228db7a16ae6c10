"""Fixtures of the gateway tests: gateways started on 127.0.0.1 and stopped afterwards."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway_harness import LABEL_KEY, RunningGateway, start_gateway
from hegui.gateway import AppConfig, GatewayConfig


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Callable[..., RunningGateway]]:
    """Start gateways: ``gateway(apps=[...], database_url=...)``; all stopped after the test."""
    os.environ["HEGUI_LABEL_KEY"] = LABEL_KEY
    started: list[RunningGateway] = []

    def start(apps: list[AppConfig], **settings: Any) -> RunningGateway:
        settings.setdefault("database_url", f"sqlite:///{tmp_path / 'gateway.db'}")
        running = start_gateway(GatewayConfig(apps=apps, **settings))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
