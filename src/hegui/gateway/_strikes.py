"""Repeat violators (Interim Measures Art. 14(2)): strikes per user lead to the pack's measures.

A strike is a prompt the policy blocked. Strikes older than the pack's window stop counting.
When a user's count reaches a step, the step's measure (warn, restrict, suspend) starts and lasts
its duration; strikes and measures are kept in the database so every step is on record and
several gateway replicas see the same state.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, delete, func, select

from hegui.gateway._store import strikes, user_measures
from hegui.policy import StrikeRules, StrikeStep


@dataclass(frozen=True)
class Measure:
    """A measure in force against a user."""

    action: str
    until: str | None
    requests_per_minute: int


class StrikeBook:
    """Counts strikes and answers which measure applies to a user now."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def measure_for(self, app: str, user: str) -> Measure | None:
        """The measure in force for ``user`` of ``app``, if any (expired ones are ignored)."""
        now = datetime.now(UTC).isoformat()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(user_measures).where(
                    user_measures.c.app == app, user_measures.c.user == user
                )
            ).first()
        if row is None or (row.until is not None and row.until <= now):
            return None
        return Measure(row.action, row.until, int(row.requests_per_minute))

    def add_strike(
        self, app: str, user: str, request_id: str, risks: list[str], rules: StrikeRules
    ) -> tuple[int, StrikeStep | None]:
        """Record a strike; returns the user's count in the window and the step newly reached."""
        now = datetime.now(UTC)
        window_start = (now - timedelta(days=rules.window_days)).isoformat()
        with self.engine.begin() as conn:
            conn.execute(
                strikes.insert().values(
                    app=app,
                    user=user,
                    ts=now.isoformat(),
                    request_id=request_id,
                    risks=json.dumps(risks),
                )
            )
            count = int(
                conn.execute(
                    select(func.count())
                    .select_from(strikes)
                    .where(
                        strikes.c.app == app,
                        strikes.c.user == user,
                        strikes.c.ts >= window_start,
                    )
                ).scalar_one()
            )
            step = next((s for s in rules.steps if s.at == count), None)
            if step is not None and step.action != "warn":
                until = (
                    (now + timedelta(minutes=step.duration_minutes)).isoformat()
                    if step.duration_minutes
                    else None
                )
                conn.execute(
                    delete(user_measures).where(
                        user_measures.c.app == app, user_measures.c.user == user
                    )
                )
                conn.execute(
                    user_measures.insert().values(
                        app=app,
                        user=user,
                        action=step.action,
                        since=now.isoformat(),
                        until=until,
                        requests_per_minute=step.requests_per_minute,
                    )
                )
        return count, step


class RateLimiter(Protocol):
    """Counts a restricted user's requests in the last minute."""

    async def allow(self, app: str, user: str, per_minute: int) -> bool:
        """Count this request and say whether it is within ``per_minute``."""
        ...


class LocalRateLimiter:
    """A sliding one-minute window per user, in this process."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], deque[float]] = {}

    async def allow(self, app: str, user: str, per_minute: int) -> bool:
        """Count this request and say whether it is within ``per_minute``."""
        now = time.monotonic()
        seen = self._seen.setdefault((app, user), deque())
        while seen and seen[0] <= now - 60:
            seen.popleft()
        if len(seen) >= per_minute:
            return False
        seen.append(now)
        return True


# One atomic step on Redis: drop requests older than a minute, count, admit if under the limit.
_SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now - 60)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('EXPIRE', KEYS[1], 61)
return 1
"""


class RedisRateLimiter:
    """The same sliding window kept in Redis, so every gateway replica counts together."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url)
        self._script = self._redis.register_script(_SLIDING_WINDOW)

    async def allow(self, app: str, user: str, per_minute: int) -> bool:
        """Count this request and say whether it is within ``per_minute``."""
        key = f"hegui:ratelimit:{app}:{user}"
        admitted = await self._script(keys=[key], args=[per_minute, uuid.uuid4().hex])
        return bool(admitted)

    async def close(self) -> None:
        """Release the connection pool."""
        await self._redis.aclose()
