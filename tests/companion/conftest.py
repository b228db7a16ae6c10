"""Fixtures for the companion tests: the real risk scorer (loaded once), databases, a clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from companion_support import Clock, MonitorFactory

from hegui.companion import CompanionMonitor, CompanionStore, RiskScorer
from hegui.policy import load_policy


@pytest.fixture(scope="session")
def scorer() -> RiskScorer:
    return RiskScorer()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_monitor(scorer: RiskScorer, clock: Clock, tmp_path: Path) -> Iterator[MonitorFactory]:
    """``make_monitor(pack_id="cn-companion", url=None, **kwargs)``; closed after the test."""
    made: list[CompanionMonitor] = []

    def make(
        pack_id: str = "cn-companion", url: str | None = None, **kwargs: object
    ) -> CompanionMonitor:
        store = CompanionStore(url or f"sqlite:///{tmp_path / f'm{len(made)}.db'}")
        monitor = CompanionMonitor(
            load_policy(pack_id),
            store,
            scorer=scorer,
            clock=clock,
            **kwargs,  # type: ignore[arg-type]
        )
        made.append(monitor)
        return monitor

    yield make
    for monitor in made:
        monitor.close()
