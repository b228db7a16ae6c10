"""Helpers the companion tests import: a movable clock and the monitor factory's type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hegui.companion import CompanionMonitor

START = datetime(2026, 7, 20, 1, 0, tzinfo=UTC)  # 09:00 in China, 18:00 the day before in CA


class Clock:
    """An injectable clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


MonitorFactory = Callable[..., CompanionMonitor]
