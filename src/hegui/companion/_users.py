"""Per-user records: the risk and dependence profile, deletion of history, minors mode."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, update

from hegui.companion import _store as db
from hegui.companion._store import CompanionStore
from hegui.companion._types import DayUsage, UserProfile
from hegui.errors import HeguiError
from hegui.policy._companion import CompanionRules


def _unknown(app: str, user_id: str) -> HeguiError:
    return HeguiError(
        f"no user {user_id!r} on app {app!r}",
        f"应用 {app!r} 中没有用户 {user_id!r}",
        "user",
    )


class UserRecords:
    """What the monitor keeps about each user in ``store``."""

    def __init__(self, store: CompanionStore, clock: Callable[[], datetime]) -> None:
        self.store, self.clock = store, clock

    def profile(self, app: str, user_id: str, rules: CompanionRules) -> UserProfile:
        """The user's profile; :class:`HeguiError` for a user the monitor has never seen."""
        with self.store.transaction() as conn:
            row = conn.execute(select(db.users).where(db.user_key(app, user_id))).first()
            if row is None:
                raise _unknown(app, user_id)
            day_rows = conn.execute(
                select(db.days)
                .where((db.days.c.app == app) & (db.days.c.user_id == user_id))
                .order_by(db.days.c.day)
            ).all()
            tops = conn.execute(
                select(db.turns.c.top, func.count())
                .where(
                    (db.turns.c.app == app)
                    & (db.turns.c.user_id == user_id)
                    & db.turns.c.top.is_not(None)
                )
                .group_by(db.turns.c.top)
            ).all()
        usage = [
            DayUsage(
                day=d.day,
                minutes=round(d.seconds / 60, 1),
                turns=d.turns,
                late_night_turns=d.late_night_turns,
                dependence_signals=d.dependence_signals,
                support_signals=d.support_signals,
            )
            for d in day_rows
        ]
        risk = rules.risk
        last_local = (
            datetime.fromtimestamp(row.last_seen, UTC)
            + timedelta(hours=rules.session.utc_offset_hours)
        ).date()
        window = _window(usage, last_local, risk.profile_days, 0)
        before = _window(usage, last_local, risk.profile_days, risk.profile_days)
        over = sum(d.dependence_signals for d in window) >= risk.dependence_signals or any(
            d.minutes >= risk.dependence_daily_minutes for d in window
        )
        earlier = sum(d.minutes for d in before)
        return UserProfile(
            app=app,
            user_id=user_id,
            minor=row.minor,
            first_seen=datetime.fromtimestamp(row.first_seen, UTC),
            last_seen=datetime.fromtimestamp(row.last_seen, UTC),
            open_case=row.open_case,
            days=usage,
            risk_counts=dict(Counter({str(top): int(n) for top, n in tops})),
            over_dependent=over,
            trend=round(sum(d.minutes for d in window) / earlier, 3) if earlier else None,
        )

    def delete_history(self, app: str, user_id: str) -> int:
        """Delete the user's messages, answers and usage profile; returns the messages deleted.

        Case messages are blanked, the cases themselves and the content-free event trail
        remain, and a ``history_deleted`` event records the deletion (counts only).
        """
        now = self.clock().timestamp()
        with self.store.transaction() as conn:
            if (
                conn.execute(select(db.users.c.app).where(db.user_key(app, user_id))).first()
                is None
            ):
                raise _unknown(app, user_id)
            mine = (db.turns.c.app == app) & (db.turns.c.user_id == user_id)
            deleted = conn.execute(delete(db.turns).where(mine)).rowcount
            conn.execute(
                delete(db.days).where((db.days.c.app == app) & (db.days.c.user_id == user_id))
            )
            conn.execute(
                update(db.cases)
                .where((db.cases.c.app == app) & (db.cases.c.user_id == user_id))
                .values(message=None)
            )
            conn.execute(
                insert(db.events).values(
                    app=app,
                    user_id=user_id,
                    at=now,
                    kind="history_deleted",
                    policy="",
                    detail={"turns": deleted},
                )
            )
        return int(deleted)

    def set_minor(self, app: str, user_id: str, minor: bool) -> None:
        """Switch minors mode on or off (off: an upheld appeal)."""
        now = self.clock().timestamp()
        with self.store.transaction() as conn:
            done = conn.execute(
                update(db.users).where(db.user_key(app, user_id)).values(minor=minor)
            ).rowcount
            if not done:
                raise _unknown(app, user_id)
            conn.execute(
                insert(db.events).values(
                    app=app,
                    user_id=user_id,
                    at=now,
                    kind="minor_mode",
                    policy="",
                    detail={"minor": minor},
                )
            )


def _window(usage: list[DayUsage], last: date, length: int, offset: int) -> list[DayUsage]:
    end = last - timedelta(days=offset)
    start = end - timedelta(days=length - 1)
    return [d for d in usage if start.isoformat() <= d.day <= end.isoformat()]
