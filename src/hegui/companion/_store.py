"""Where the monitor keeps user state, turns, cases and events: SQLite or PostgreSQL by URL.

SQLAlchemy 2 Core tables; times are UTC epoch seconds. The user row is read ``FOR UPDATE``
inside the turn's transaction (PostgreSQL: replicas serialise on it; SQLite: one writer at a
time), and turns of one user are also serialised in-process by a striped lock, so concurrent
messages from one user are applied one after the other, never lost or double counted.
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
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
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

# Statements built once: the turn path runs them with parameters only, which keeps the
# monitor's per-turn overhead low (building SQLAlchemy expressions costs more than SQLite).
select_user = (
    select(users)
    .where((users.c.app == bindparam("b_app")) & (users.c.user_id == bindparam("b_user")))
    .with_for_update()
)
update_user = update(users).where(
    (users.c.app == bindparam("b_app")) & (users.c.user_id == bindparam("b_user"))
)
add_to_day = (
    update(days)
    .where(
        (days.c.app == bindparam("b_app"))
        & (days.c.user_id == bindparam("b_user"))
        & (days.c.day == bindparam("b_day"))
    )
    .values(
        seconds=days.c.seconds + bindparam("add_seconds", type_=Float),
        turns=days.c.turns + 1,
        late_night_turns=days.c.late_night_turns + bindparam("add_late", type_=Integer),
        dependence_signals=days.c.dependence_signals + bindparam("add_dependence", type_=Integer),
        support_signals=days.c.support_signals + bindparam("add_support", type_=Integer),
    )
    .returning(days.c.seconds)
)
dependence_window = select(func.sum(days.c.dependence_signals), func.max(days.c.seconds)).where(
    (days.c.app == bindparam("b_app"))
    & (days.c.user_id == bindparam("b_user"))
    & (days.c.day >= bindparam("since"))
    & (days.c.day <= bindparam("today"))
)
insert_turn = insert(turns)
insert_user = insert(users)
insert_day = insert(days)
insert_events = insert(events)
set_answer = update(turns).where(turns.c.id == bindparam("b_id")).values(answer=bindparam("answer"))


def user_key(app: str, user_id: str) -> ColumnElement[bool]:
    """The WHERE clause selecting one user's row."""
    return (users.c.app == app) & (users.c.user_id == user_id)


class CompanionStore:
    """The database behind the monitor; thread-safe. ``url`` is any SQLAlchemy URL.

    Tables are created on first use. An unreachable database raises :class:`HeguiError`
    naming the URL (password hidden).
    """

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = url
        try:
            self.engine = _engine(url)
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise HeguiError(
                f"cannot open the companion database: {type(exc).__name__}: {exc.args[0]}",
                f"无法打开陪伴数据库：{type(exc).__name__}",
                _safe(url),
            ) from None
        self._locks = [threading.Lock() for _ in range(_STRIPES)]

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
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
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
