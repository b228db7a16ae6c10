"""The monitor's per-turn statements, compiled once per database and run on the driver's cursor.

A turn runs about five statements in two transactions. Through SQLAlchemy's execution layer
each cost some 70–100 µs of bookkeeping around a 15 µs SQLite call, most of the monitor's time
per turn. So these are SQLAlchemy Core statements compiled once for the store's dialect (SQLite
or PostgreSQL) and executed on the DBAPI cursor of the SQLAlchemy connection, inside its
transaction: the monitor's own time per turn went from 1.38 to 0.61 ms at the median
(bench/companion_overhead.py, "monitor alone"). Dicts are stored as JSON text, as SQLAlchemy's
JSON type stores them; errors are the driver's (``CompanionStore.errors``). Cases, reports and
deletion use SQLAlchemy as usual.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, func, insert, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from hegui.companion._store import cases, days, events, turns, users

STATE = (
    "minor",
    "first_seen",
    "last_seen",
    "session_start",
    "pause_reminders",
    "minor_breaks",
    "dependence_session",
    "open_case",
)
"""The user row's columns besides its key: the session state a turn reads and writes."""

_USER = (users.c.app == bindparam("b_app")) & (users.c.user_id == bindparam("b_user"))
_DAY_KEY = [days.c.app, days.c.user_id, days.c.day]


class _Statement:
    """One statement compiled for one database; parameters by name."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self._order = compiled.positiontup if compiled.positional else None

    def _args(self, params: dict[str, Any]) -> Any:
        if self._order is None:
            return params
        return [params[name] for name in self._order]

    def run(self, conn: Connection, params: dict[str, Any]) -> DBAPICursor:
        """Execute on ``conn``'s driver connection, in its transaction; the caller closes the
        cursor."""
        cursor = conn.connection.cursor()
        cursor.execute(self.sql, self._args(params))
        return cursor

    def first(self, conn: Connection, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row, or ``None``."""
        cursor = self.run(conn, params)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else tuple(row)

    def count(self, conn: Connection, params: dict[str, Any]) -> int:
        """Rows affected."""
        cursor = self.run(conn, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def many(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Execute once per parameter set."""
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(self.sql, [self._args(row) for row in rows])
        finally:
            cursor.close()


def _binds(names: Sequence[str]) -> dict[str, Any]:
    return {name: bindparam(f"v_{name}") for name in names}


def _values(row: dict[str, Any]) -> dict[str, Any]:
    return {f"v_{k}": json.dumps(v) if isinstance(v, dict) else v for k, v in row.items()}


class TurnQueries:
    """The per-turn statements of one database (``dialect``: that of the store's engine)."""

    def __init__(self, dialect: Dialect) -> None:
        key = ("app", "user_id")
        self._user = _Statement(
            select(*(users.c[c] for c in STATE)).where(_USER).with_for_update(), dialect
        )
        self._insert_user = _Statement(insert(users).values(_binds((*key, *STATE))), dialect)
        self._update_user = _Statement(update(users).where(_USER).values(_binds(STATE)), dialect)
        self._add_to_day = _Statement(_day_upsert(dialect), dialect)
        self._dependence = _Statement(
            select(func.sum(days.c.dependence_signals), func.max(days.c.seconds)).where(
                (days.c.app == bindparam("b_app"))
                & (days.c.user_id == bindparam("b_user"))
                & (days.c.day >= bindparam("b_since"))
                & (days.c.day <= bindparam("b_today"))
            ),
            dialect,
        )
        turn_columns = ("app", "user_id", "at", "action", "lang", "top", "scores", "text")
        self._insert_turn = _Statement(
            insert(turns).values(_binds(turn_columns)).returning(turns.c.id), dialect
        )
        self._set_answer = _Statement(
            update(turns).where(turns.c.id == bindparam("b_id")).values(_binds(("answer",))),
            dialect,
        )
        event_columns = ("app", "user_id", "at", "kind", "policy", "detail")
        self._insert_event = _Statement(insert(events).values(_binds(event_columns)), dialect)
        case_columns = (
            "app",
            "user_id",
            "state",
            "opened_at",
            "target_minutes",
            "score",
            "message",
            "lang",
            "minor",
            "policy",
            "notify_state",
            "notify_attempts",
        )
        self._open_case = _Statement(
            insert(cases).values(_binds(case_columns)).returning(cases.c.id), dialect
        )

    def user(self, conn: Connection, app: str, user_id: str) -> dict[str, Any] | None:
        """The user's session state (:data:`STATE`), locked for this transaction; ``None`` for
        a user never seen."""
        row = self._user.first(conn, {"b_app": app, "b_user": user_id})
        return None if row is None else dict(zip(STATE, row, strict=True))

    def save_user(
        self, conn: Connection, app: str, user_id: str, state: dict[str, Any], new: bool
    ) -> None:
        """Write the user's session state (insert a ``new`` user's row)."""
        if new:
            self._insert_user.count(conn, _values({"app": app, "user_id": user_id, **state}))
        else:
            self._update_user.count(conn, {"b_app": app, "b_user": user_id, **_values(state)})

    def add_to_day(
        self, conn: Connection, app: str, user_id: str, day: str, added: dict[str, float | int]
    ) -> float:
        """Add one message to the user's day (``added``: seconds, late, dependence, support);
        returns the day's seconds of use so far."""
        row = self._add_to_day.first(
            conn,
            {
                "b_app": app,
                "b_user": user_id,
                "b_day": day,
                **{f"add_{k}": v for k, v in added.items()},
            },
        )
        assert row is not None
        return float(row[0])

    def dependence_window(
        self, conn: Connection, app: str, user_id: str, since: str, today: str
    ) -> tuple[int, float]:
        """Dependence signals and the longest day's seconds from ``since`` to ``today``."""
        row = self._dependence.first(
            conn, {"b_app": app, "b_user": user_id, "b_since": since, "b_today": today}
        )
        signals, longest = row if row is not None else (None, None)
        return int(signals or 0), float(longest or 0.0)

    def insert_turn(self, conn: Connection, row: dict[str, Any]) -> int:
        """Record a turn; returns its id."""
        found = self._insert_turn.first(conn, _values(row))
        assert found is not None
        return int(found[0])

    def set_answer(self, conn: Connection, turn_id: int, answer: str) -> bool:
        """Record the answer shown for a turn; ``False`` if there is no such turn."""
        return self._set_answer.count(conn, {"b_id": turn_id, "v_answer": answer}) > 0

    def insert_events(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Append events to the trail."""
        if rows:
            self._insert_event.many(conn, [_values(row) for row in rows])

    def open_case(self, conn: Connection, row: dict[str, Any]) -> int:
        """Open a case; returns its id."""
        found = self._open_case.first(conn, _values(row))
        assert found is not None
        return int(found[0])


def _day_upsert(dialect: Dialect) -> ClauseElement:
    """One message added to a day's row, created on the day's first message; returns the day's
    seconds so far (``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on SQLite and PostgreSQL)."""
    values: dict[str, Any] = {
        "app": bindparam("b_app"),
        "user_id": bindparam("b_user"),
        "day": bindparam("b_day"),
        "seconds": bindparam("add_seconds"),
        "turns": literal_column("1"),
        "late_night_turns": bindparam("add_late"),
        "dependence_signals": bindparam("add_dependence"),
        "support_signals": bindparam("add_support"),
    }
    upsert = (postgresql_insert if dialect.name == "postgresql" else sqlite_insert)(days)
    upsert = upsert.values(values)
    new = upsert.excluded
    return upsert.on_conflict_do_update(
        index_elements=_DAY_KEY,
        set_={
            "seconds": days.c.seconds + new.seconds,
            "turns": days.c.turns + literal_column("1"),
            "late_night_turns": days.c.late_night_turns + new.late_night_turns,
            "dependence_signals": days.c.dependence_signals + new.dependence_signals,
            "support_signals": days.c.support_signals + new.support_signals,
        },
    ).returning(days.c.seconds)
