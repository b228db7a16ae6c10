"""The human-takeover queue: list, acknowledge and resolve crisis cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from hegui.companion import _store as db
from hegui.companion._store import CompanionStore
from hegui.companion._types import Case, CaseState
from hegui.errors import HeguiError


def _dt(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _case(row: Any, now: float) -> Case:
    limit = row.opened_at + row.target_minutes * 60
    acknowledged = row.acknowledged_at
    return Case(
        id=row.id,
        app=row.app,
        user_id=row.user_id,
        state=CaseState(row.state),
        opened_at=datetime.fromtimestamp(row.opened_at, UTC),
        acknowledged_at=_dt(acknowledged),
        resolved_at=_dt(row.resolved_at),
        note=row.note,
        target_minutes=row.target_minutes,
        overdue=(acknowledged if acknowledged is not None else now) > limit,
        score=row.score,
        message=row.message,
        lang=row.lang,
        minor=row.minor,
        policy=row.policy,
        notify_state=row.notify_state,
        notify_attempts=row.notify_attempts,
        notify_error=row.notify_error,
    )


def _not_found(case_id: int) -> HeguiError:
    return HeguiError(f"no case {case_id}", f"没有编号为 {case_id} 的个案", "case")


class CaseQueue:
    """Crisis cases in ``store``; ``clock`` stamps acknowledgements and resolutions."""

    def __init__(self, store: CompanionStore, clock: Callable[[], datetime]) -> None:
        self.store, self.clock = store, clock

    def find(self, open_only: bool = False, app: str | None = None) -> list[Case]:
        """Cases, newest first; ``open_only``: open and acknowledged ones (not resolved)."""
        query = select(db.cases).order_by(db.cases.c.id.desc())
        if open_only:
            query = query.where(db.cases.c.state != CaseState.RESOLVED.value)
        if app is not None:
            query = query.where(db.cases.c.app == app)
        now = self.clock().timestamp()
        with self.store.transaction() as conn:
            return [_case(row, now) for row in conn.execute(query)]

    def get(self, case_id: int) -> Case:
        """One case; :class:`HeguiError` if there is none."""
        with self.store.transaction() as conn:
            row = conn.execute(select(db.cases).where(db.cases.c.id == case_id)).first()
        if row is None:
            raise _not_found(case_id)
        return _case(row, self.clock().timestamp())

    def acknowledge(self, case_id: int) -> Case:
        """A reviewer has taken the case: open → acknowledged."""
        now = self.clock().timestamp()
        with self.store.transaction() as conn:
            row = conn.execute(
                select(db.cases).where(db.cases.c.id == case_id).with_for_update()
            ).first()
            if row is None:
                raise _not_found(case_id)
            if row.state != CaseState.OPEN.value:
                raise HeguiError(
                    f"case {case_id} is {row.state}; only an open case can be acknowledged",
                    f"个案 {case_id} 的状态为 {row.state}，只有未处理（open）的个案可以确认",
                    "case",
                )
            conn.execute(
                update(db.cases)
                .where(db.cases.c.id == case_id)
                .values(state=CaseState.ACKNOWLEDGED.value, acknowledged_at=now)
            )
        return self.get(case_id)

    def resolve(self, case_id: int, note: str) -> Case:
        """Close the case with ``note`` and release the user back to the model.

        An open case is acknowledged at the same moment. A resolved case cannot be resolved
        again.
        """
        if not note.strip():
            raise HeguiError("a resolution note is required", "需要填写处理说明", "note")
        now = self.clock().timestamp()
        with self.store.transaction() as conn:
            row = conn.execute(
                select(db.cases).where(db.cases.c.id == case_id).with_for_update()
            ).first()
            if row is None:
                raise _not_found(case_id)
            if row.state == CaseState.RESOLVED.value:
                raise HeguiError(
                    f"case {case_id} is already resolved",
                    f"个案 {case_id} 已经处理完毕",
                    "case",
                )
            conn.execute(
                update(db.cases)
                .where(db.cases.c.id == case_id)
                .values(
                    state=CaseState.RESOLVED.value,
                    acknowledged_at=row.acknowledged_at if row.acknowledged_at else now,
                    resolved_at=now,
                    note=note,
                )
            )
            conn.execute(
                update(db.users)
                .where(
                    (db.users.c.app == row.app)
                    & (db.users.c.user_id == row.user_id)
                    & (db.users.c.open_case == case_id)
                )
                .values(open_case=None)
            )
            conn.execute(
                insert(db.events).values(
                    app=row.app,
                    user_id=row.user_id,
                    at=now,
                    kind="case_resolved",
                    policy=row.policy,
                    detail={"case": case_id},
                )
            )
        return self.get(case_id)
