"""Where the monitor keeps user state, turns, cases and events: SQLite or PostgreSQL by URL.

SQLAlchemy 2 Core tables; times are UTC epoch seconds. The user row is read ``FOR UPDATE``
inside the turn's transaction (PostgreSQL: replicas serialise on it; SQLite: one writer at a
time), and turns of one user are also serialised in-process by a striped lock, so concurrent
messages from one user are applied one after the other, never lost or double counted. The
monitor's per-turn statements are in :mod:`hegui.companion._queries`.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.expression import ColumnElement

from hegui.errors import HeguiError

DEFAULT_URL = "sqlite:///hegui-companion.db"

metadata = MetaData()

users = Table(
    "companion_users",
    metadata,
    Column("app", String(128), primary_key=True),
    Column("user_id", String(256), primary_key=True),
    Column("minor", Boolean, nullable=False, default=False),
    Column("first_seen", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    Column("session_start", Float),
    Column("pause_reminders", Integer, nullable=False, default=0),
    Column("minor_breaks", Integer, nullable=False, default=0),
    Column("dependence_session", Float),
    Column("open_case", Integer),
)

turns = Table(
    "companion_turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(128), nullable=False, index=True),
    Column("user_id", String(256), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("action", String(32), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("top", String(32)),
    Column("scores", JSON),
    Column("text", Text),
    Column("answer", Text),
)

days = Table(
    "companion_days",
    metadata,
    Column("app", String(128), primary_key=True),
    Column("user_id", String(256), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("seconds", Float, nullable=False, default=0.0),
    Column("turns", Integer, nullable=False, default=0),
    Column("late_night_turns", Integer, nullable=False, default=0),
    Column("dependence_signals", Integer, nullable=False, default=0),
    Column("support_signals", Integer, nullable=False, default=0),
)

cases = Table(
    "companion_cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(128), nullable=False),
    Column("user_id", String(256), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("opened_at", Float, nullable=False),
    Column("acknowledged_at", Float),
    Column("resolved_at", Float),
    Column("note", Text),
    Column("target_minutes", Float, nullable=False),
    Column("score", Float, nullable=False),
    Column("message", Text),
    Column("lang", String(8), nullable=False),
    Column("minor", Boolean, nullable=False),
    Column("policy", String(128), nullable=False),
    Column("notify_state", String(16), nullable=False),
    Column("notify_attempts", Integer, nullable=False, default=0),
    Column("notify_error", Text),
)

events = Table(
    "companion_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(128), nullable=False),
    Column("user_id", String(256), nullable=False),
    Column("at", Float, nullable=False, index=True),
    Column("kind", String(32), nullable=False, index=True),
    Column("policy", String(128), nullable=False),
    Column("detail", JSON),
)

_STRIPES = 64
DIALECTS = ("sqlite", "postgresql")
"""The databases the store runs on."""


def user_key(app: str, user_id: str) -> ColumnElement[bool]:
    """The WHERE clause selecting one user's row."""
    return (users.c.app == app) & (users.c.user_id == user_id)


class CompanionStore:
    """The database behind the monitor; thread-safe. ``url``: a SQLite or PostgreSQL URL.

    Tables are created on first use. An unreachable database raises :class:`HeguiError`
    naming the URL (password hidden).
    """

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = url
        try:
            self.engine = _engine(url)
            if self.engine.dialect.name not in DIALECTS:
                raise HeguiError(
                    f"the companion database must be SQLite or PostgreSQL, not "
                    f"{self.engine.dialect.name}",
                    f"陪伴数据库须为 SQLite 或 PostgreSQL，不支持 {self.engine.dialect.name}",
                    _safe(url),
                )
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise HeguiError(
                f"cannot open the companion database: {type(exc).__name__}: {exc.args[0]}",
                f"无法打开陪伴数据库：{type(exc).__name__}",
                _safe(url),
            ) from None
        self._locks = [threading.Lock() for _ in range(_STRIPES)]
        self.errors: tuple[type[Exception], ...] = (
            SQLAlchemyError,
            self.engine.dialect.loaded_dbapi.Error,
        )
        """What a failing database raises here: SQLAlchemy's errors, and the driver's (the
        monitor's per-turn statements run on the driver's cursor)."""

    @contextmanager
    def user_transaction(self, app: str, user_id: str) -> Iterator[Connection]:
        """A transaction in which the caller owns ``(app, user_id)``'s turn."""
        lock = self._locks[zlib.crc32(f"{app}\0{user_id}".encode()) % _STRIPES]
        with lock, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A plain transaction (cases, reports, deletion)."""
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    memory = url in {"sqlite://", "sqlite:///:memory:"}
    # every use of a connection is a transaction that ends in commit or rollback, so the pool's
    # rollback on return would only cost a call per transaction
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": 30},
        "pool_reset_on_return": None,
    }
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if memory:
        # one shared connection: serialise every use of it
        lock = threading.RLock()

        @event.listens_for(engine, "checkout")
        def _acquire(*_args: Any) -> None:
            lock.acquire()

        @event.listens_for(engine, "checkin")
        def _release(*_args: Any) -> None:
            lock.release()

    return engine


def _safe(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url
