"""The companion monitor: per turn, decide what the gateway does before the model is called.

Order of a turn (:meth:`CompanionMonitor.before_turn`):

1. exit keyword or button → exit, whatever else is going on (nothing may block it);
2. the user has an open case → human takeover (holding message; the model is not called);
3. explicit self-harm intent → escalate (crisis response, case opened, contact notified);
4. a minor past the daily limit → exit with the limit text;
5. otherwise proceed, with the notices due: AI identity (first use, re-login, over-dependence),
   the pause reminder or the minors' break reminder, support and dependence notices.

Time comes from the caller (the message's timestamp) or from the injected ``clock``; a
timestamp earlier than the user's last one (clock skew) is recorded and treated as the last.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from hegui.companion import _store as db
from hegui.companion._cases import CaseQueue
from hegui.companion._notify import WebhookNotifier
from hegui.companion._queries import TurnQueries
from hegui.companion._report import crisis_report
from hegui.companion._risk import RiskScorer, RiskScores
from hegui.companion._rules import rules_of
from hegui.companion._store import CompanionStore
from hegui.companion._types import (
    Action,
    CrisisReport,
    Event,
    Notice,
    NoticeKind,
    TurnPlan,
    UserProfile,
)
from hegui.companion._users import UserRecords
from hegui.errors import HeguiError
from hegui.policy._companion import CompanionRules
from hegui.policy._schema import PolicyPack

log = logging.getLogger("hegui.companion")

Clock = Callable[[], datetime]
PolicyFor = Callable[[str], PolicyPack]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NOT_WORD = re.compile(r"[\W_]+")


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def language(text: str, default: str) -> str:
    """``zh`` if ``text`` has Chinese characters, ``en`` if it has Latin letters, else
    ``default``."""
    if _CJK.search(text):
        return "zh"
    if any(c.isascii() and c.isalpha() for c in text):
        return "en"
    return default


def _fold(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def _epoch(at: datetime) -> float:
    if at.tzinfo is None:
        raise HeguiError(
            f"timestamp {at.isoformat()} has no time zone",
            f"时间戳 {at.isoformat()} 缺少时区",
            "at",
        )
    return at.timestamp()


@dataclass(frozen=True)
class _Checked:
    """A pack whose companion rules were checked, and its folded exit keywords."""

    pack: PolicyPack
    rules: CompanionRules
    exit_words: frozenset[str]


def _dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class CompanionMonitor:
    """Session, identity, dependence and self-harm safeguards for companion apps.

    Thread-safe. Every method blocks (database, and the risk scorer's e5 model on the CPU,
    tens of milliseconds per message); from async code use the ``a``-prefixed twins, which run
    them in a worker thread.

    ``policy`` is the pack for every app, or a function from app id to pack. ``store`` is a
    :class:`CompanionStore` or a database URL. ``webhook_url`` receives a JSON POST per opened
    case (retried in the background; the case is recorded first, so a down webhook loses
    nothing). ``clock`` supplies the time when a call gives none.
    """

    def __init__(
        self,
        policy: PolicyPack | PolicyFor,
        store: CompanionStore | str = db.DEFAULT_URL,
        *,
        scorer: RiskScorer | None = None,
        webhook_url: str | None = None,
        webhook_headers: dict[str, str] | None = None,
        webhook_attempts: int = 5,
        webhook_backoff_s: float = 2.0,
        clock: Clock = utc_now,
    ) -> None:
        if isinstance(policy, PolicyPack):
            rules_of(policy)
            fixed = policy
            self._policy_for: PolicyFor = lambda _app: fixed
        else:
            self._policy_for = policy
        self.store = store if isinstance(store, CompanionStore) else CompanionStore(store)
        self._queries = TurnQueries(self.store.engine.dialect)
        self.scorer = scorer or RiskScorer()
        self.clock = clock
        self._checked: dict[tuple[str, str], _Checked] = {}
        self.cases = CaseQueue(self.store, clock)
        """The human-takeover queue."""
        self.users = UserRecords(self.store, clock)
        """Per-user records: deletion and minors mode (profiles via :meth:`profile`)."""
        self.notifier: WebhookNotifier | None = None
        if webhook_url:
            self.notifier = WebhookNotifier(
                self.store,
                webhook_url,
                headers=webhook_headers or {},
                attempts=webhook_attempts,
                backoff_s=webhook_backoff_s,
            )

    # -- per turn ---------------------------------------------------------------------------

    def before_turn(
        self,
        app: str,
        user_id: str,
        text: str,
        at: datetime | None = None,
        *,
        minor: bool | None = None,
        exit_requested: bool = False,
    ) -> TurnPlan:
        """The plan for a user's message, before the prompt goes to the model.

        ``minor=True`` switches the user to minors mode (it stays on until a reviewer clears
        it); ``exit_requested`` is the app's exit button. Blocks (see the class doc).
        """
        pack = self._policy_for(app)
        rules = self._rules(pack)
        when = _epoch(at or self.clock())
        lang = language(text, rules.default_lang)
        if exit_requested or self._is_exit(text, pack):
            return self._exit(
                app, user_id, when, lang, rules, pack, "keyword" if not exit_requested else "button"
            )
        scores = self.scorer.score(text)
        notify = rules.crisis.notify_contact and self.notifier is not None
        with self.store.user_transaction(app, user_id) as conn:
            turn = _Turn(
                conn, self._queries, pack, rules, app, user_id, when, lang, text, scores, minor
            )
            plan = turn.run(notify)
        if plan.action is Action.ESCALATE and self.notifier is not None and plan.case_id:
            self.notifier.enqueue(plan.case_id)  # after commit: the case is never lost
        return plan

    def profile(self, app: str, user_id: str) -> UserProfile:
        """The user's risk and dependence profile under the app's pack."""
        return self.users.profile(app, user_id, rules_of(self._policy_for(app)))

    def report(self, app: str, year: int) -> CrisisReport:
        """The annual crisis-referral report of the app's pack (every app under that pack)."""
        return crisis_report(self.store, self._policy_for(app), year)

    def after_turn(self, turn_id: int, answer: str) -> bool:
        """Record the answer shown for ``turn_id``; ``False`` if no such turn is recorded."""
        with self.store.transaction() as conn:
            return self._queries.set_answer(conn, turn_id, answer)

    def exit(self, app: str, user_id: str, at: datetime | None = None) -> TurnPlan:
        """The exit button: end the service for the user now."""
        pack = self._policy_for(app)
        rules = self._rules(pack)
        return self._exit(
            app, user_id, _epoch(at or self.clock()), rules.default_lang, rules, pack, "button"
        )

    async def abefore_turn(
        self,
        app: str,
        user_id: str,
        text: str,
        at: datetime | None = None,
        *,
        minor: bool | None = None,
        exit_requested: bool = False,
    ) -> TurnPlan:
        """:meth:`before_turn` in a worker thread."""
        return await asyncio.to_thread(
            self.before_turn, app, user_id, text, at, minor=minor, exit_requested=exit_requested
        )

    async def aafter_turn(self, turn_id: int, answer: str) -> bool:
        """:meth:`after_turn` in a worker thread."""
        return await asyncio.to_thread(self.after_turn, turn_id, answer)

    async def aexit(self, app: str, user_id: str, at: datetime | None = None) -> TurnPlan:
        """:meth:`exit` in a worker thread."""
        return await asyncio.to_thread(self.exit, app, user_id, at)

    def close(self) -> None:
        """Stop the notifier (pending notifications stay recorded) and close the database."""
        if self.notifier is not None:
            self.notifier.close()
        self.store.close()

    # -- internals ----------------------------------------------------------------------------

    def _rules(self, pack: PolicyPack) -> CompanionRules:
        return self._check(pack).rules

    def _check(self, pack: PolicyPack) -> _Checked:
        key = (pack.id, pack.version)
        found = self._checked.get(key)
        if found is None or found.pack is not pack:
            rules = rules_of(pack)
            words = frozenset(
                _fold(word) for words in rules.exit.keywords.values() for word in words
            )
            found = self._checked[key] = _Checked(pack, rules, words)
        return found

    def _is_exit(self, text: str, pack: PolicyPack) -> bool:
        if len(text) > 40:  # keywords are whole messages; a long text is never one
            return False
        folded = _fold(text)
        return bool(folded) and folded in self._check(pack).exit_words

    def _exit(
        self,
        app: str,
        user_id: str,
        when: float,
        lang: str,
        rules: CompanionRules,
        pack: PolicyPack,
        how: str,
    ) -> TurnPlan:
        event = Event(kind="exit", at=_dt(when), detail={"how": how})
        turn_id: int | None = None
        minor = False
        queries = self._queries
        try:
            with self.store.user_transaction(app, user_id) as conn:
                state = queries.user(conn, app, user_id)
                if state is not None:
                    minor = bool(state["minor"])
                    state.update(session_start=None, last_seen=max(when, state["last_seen"]))
                    queries.save_user(conn, app, user_id, state, new=False)
                turn_id = _record_turn(
                    queries, conn, app, user_id, when, Action.EXIT, lang, None, None
                )
                _record_events(queries, conn, app, user_id, pack, [event])
        except self.store.errors:
            # exit must never be blocked, not even by a failing database
            log.exception("companion: could not record the exit of %s/%s", app, user_id)
        return TurnPlan(
            turn_id=turn_id,
            action=Action.EXIT,
            message=rules.exit.goodbye.get(lang),
            lang=lang,
            minor=minor,
            events=[event],
        )


def _record_turn(
    queries: TurnQueries,
    conn: Connection,
    app: str,
    user_id: str,
    when: float,
    action: Action,
    lang: str,
    text: str | None,
    scores: RiskScores | None,
) -> int:
    return queries.insert_turn(
        conn,
        {
            "app": app,
            "user_id": user_id,
            "at": when,
            "action": action.value,
            "lang": lang,
            "top": scores.top if scores else None,
            "scores": scores.as_dict() if scores else None,
            "text": text,
        },
    )


def _record_events(
    queries: TurnQueries,
    conn: Connection,
    app: str,
    user_id: str,
    pack: PolicyPack,
    happened: list[Event],
) -> None:
    queries.insert_events(
        conn,
        [
            {
                "app": app,
                "user_id": user_id,
                "at": e.at.timestamp(),
                "kind": e.kind,
                "policy": f"{pack.id}@{pack.version}",
                "detail": e.detail,
            }
            for e in happened
        ],
    )


class _Turn:
    """One message applied to one user's state, inside that user's transaction."""

    def __init__(
        self,
        conn: Connection,
        queries: TurnQueries,
        pack: PolicyPack,
        rules: CompanionRules,
        app: str,
        user_id: str,
        when: float,
        lang: str,
        text: str,
        scores: RiskScores,
        minor: bool | None,
    ) -> None:
        self.conn, self.queries, self.pack, self.rules = conn, queries, pack, rules
        self.app, self.user_id, self.when, self.lang = app, user_id, when, lang
        self.text, self.scores, self.minor_flag = text, scores, minor
        self.events: list[Event] = []
        self.prepend: list[Notice] = []
        self.append: list[Notice] = []

    def _event(self, kind: str, **detail: str | int | float | bool | None) -> None:
        self.events.append(Event(kind=kind, at=_dt(self.when), detail=detail))

    def run(self, notify: bool) -> TurnPlan:
        """Apply the message; ``notify``: the case (if one opens) awaits contact notification."""
        conn, queries, rules = self.conn, self.queries, self.rules
        found = queries.user(conn, self.app, self.user_id)
        first_use = found is None
        if found is None:
            state: dict[str, Any] = {
                "minor": False,
                "first_seen": self.when,
                "last_seen": self.when,
                "session_start": None,
                "pause_reminders": 0,
                "minor_breaks": 0,
                "dependence_session": None,
                "open_case": None,
            }
        else:
            state = found
        if self.when < state["last_seen"]:
            given = _dt(self.when).isoformat()
            self.when = state["last_seen"]
            self._event("clock_skew", given=given, used=_dt(self.when).isoformat())
        if self.minor_flag:
            state["minor"] = True
        minor = bool(state["minor"])
        gap = rules.session.gap_minutes * 60
        previous = state["last_seen"]
        new_session = state["session_start"] is None or self.when - previous > gap
        counted = 0.0 if new_session else self.when - previous
        if new_session:
            state.update(session_start=self.when, pause_reminders=0, minor_breaks=0)
        state["last_seen"] = self.when
        day = self._day()
        plan_case: int | None = state["open_case"]
        explicit = self.scores.escalates(rules.risk.escalate_at)
        action = Action.PROCEED
        message: str | None = None
        if plan_case is not None:
            action = Action.HUMAN_TAKEOVER
            message = rules.crisis.holding.get(self.lang)
            self._event("human_takeover", case=plan_case)
        elif explicit:
            action = Action.ESCALATE
            plan_case = self._open_case(minor, notify)
            state["open_case"] = plan_case
            message = rules.crisis.response.get(self.lang).replace(
                "{resources}", rules.crisis.resource_list(self.lang)
            )
            self._event(
                "escalation",
                case=plan_case,
                score=self.scores.explicit_self_harm,
                rule=self.scores.intent_rule,
            )
        signals, day_seconds = self._count_day(day, counted)
        limit = rules.minors.daily_limit_minutes
        if action is Action.PROCEED:
            if minor and limit is not None and day_seconds >= limit * 60:
                action = Action.EXIT
                message = rules.minors.limit_text.get(self.lang)
                state["session_start"] = None
                self._event("minor_limit", minutes=round(day_seconds / 60, 1))
            else:
                self._notices(state, first_use, new_session, minor, signals, day_seconds)
        turn_id = _record_turn(
            queries,
            conn,
            self.app,
            self.user_id,
            self.when,
            action,
            self.lang,
            self.text,
            self.scores,
        )
        queries.save_user(conn, self.app, self.user_id, state, new=first_use)
        _record_events(queries, conn, self.app, self.user_id, self.pack, self.events)
        return TurnPlan(
            turn_id=turn_id,
            action=action,
            message=message,
            prepend=self.prepend,
            append=self.append,
            lang=self.lang,
            minor=minor,
            blocked_risks=list(rules.minors.blocked_risks) if minor else [],
            case_id=plan_case if action in (Action.ESCALATE, Action.HUMAN_TAKEOVER) else None,
            scores=self.scores.as_dict(),
            risk_ms=round(self.scores.elapsed_ms, 3),
            events=self.events,
        )

    # -- time and usage -----------------------------------------------------------------------

    def _local(self) -> datetime:
        return _dt(self.when) + timedelta(hours=self.rules.session.utc_offset_hours)

    def _day(self) -> str:
        return self._local().date().isoformat()

    def _late_night(self) -> bool:
        hour = self._local().hour
        start, end = self.rules.session.late_night_start, self.rules.session.late_night_end
        return start <= hour < end if start <= end else hour >= start or hour < end

    def _count_day(self, day: str, counted: float) -> tuple[dict[str, bool], float]:
        """Add this message to the day's usage; returns the risk signals it carries and the
        day's seconds of use so far."""
        risk = self.rules.risk
        signals = {
            "dependence": self.scores.dependence >= risk.dependence_at,
            "support": max(self.scores.ambiguous_self_harm, self.scores.extreme_emotion)
            >= risk.support_at
            and not self.scores.escalates(risk.escalate_at),
        }
        added = {
            "seconds": counted,
            "late": int(self._late_night()),
            "dependence": int(signals["dependence"]),
            "support": int(signals["support"]),
        }
        total = self.queries.add_to_day(self.conn, self.app, self.user_id, day, added)
        return signals, total

    def _over_dependent(self) -> bool:
        risk = self.rules.risk
        today = self._local().date()
        since = (today - timedelta(days=risk.profile_days - 1)).isoformat()
        signals, longest = self.queries.dependence_window(
            self.conn, self.app, self.user_id, since, today.isoformat()
        )
        return signals >= risk.dependence_signals or longest >= risk.dependence_daily_minutes * 60

    # -- notices ------------------------------------------------------------------------------

    def _notices(
        self,
        state: dict[str, Any],
        first_use: bool,
        new_session: bool,
        minor: bool,
        signals: dict[str, bool],
        day_seconds: float,
    ) -> None:
        rules, lang = self.rules, self.lang
        identity = rules.identity_notice
        reason: str | None = None
        if first_use and identity.on_first_use:
            reason = "first_use"
        elif new_session and not first_use and identity.on_relogin:
            reason = "relogin"
        dependent = False
        # over-dependence can only have changed on a new session, a dependence signal, or
        # once today's use passes the daily limit; the notice shows once per session
        may_change = (
            new_session
            or signals["dependence"]
            or day_seconds >= rules.risk.dependence_daily_minutes * 60
        )
        if (
            may_change
            and state["dependence_session"] != state["session_start"]
            and self._over_dependent()
        ):
            dependent = True
            state["dependence_session"] = state["session_start"]
            if reason is None and identity.on_dependence:
                reason = "dependence"
        if reason is not None:
            self.prepend.append(
                Notice(kind="identity", reason=reason, text=identity.text.get(lang))
            )
            self._event("identity_notice", reason=reason)
        self._reminders(state, minor)
        if signals["support"]:
            label = (
                "ambiguous_self_harm"
                if self.scores.ambiguous_self_harm >= self.scores.extreme_emotion
                else "extreme_emotion"
            )
            text = rules.risk.support_text.get(lang).replace(
                "{resources}", rules.crisis.resource_list(lang)
            )
            self.append.append(Notice(kind="support", reason=label, text=text))
            self._event("support", reason=label)
        if dependent:
            self.append.append(
                Notice(
                    kind="dependence",
                    reason="over_dependent",
                    text=rules.risk.dependence_text.get(lang),
                )
            )
            self._event("dependence")

    def _reminders(self, state: dict[str, Any], minor: bool) -> None:
        """A reminder is due at every multiple of its interval since the session started; it
        fires on the first message at or after that time (one per message at most)."""
        minutes = (self.when - state["session_start"]) / 60
        kind: NoticeKind
        if minor:
            every, counter, kind = (
                self.rules.minors.break_every_minutes,
                "minor_breaks",
                "minor_break",
            )
            template = self.rules.minors.break_text
        elif self.rules.pause_reminder is not None:
            every, counter, kind = (
                self.rules.pause_reminder.after_minutes,
                "pause_reminders",
                "pause",
            )
            template = self.rules.pause_reminder.text
        else:
            return
        due = math.floor(minutes / every)
        if due <= state[counter]:
            return
        state[counter] = due
        due_at = _dt(state["session_start"] + due * every * 60)
        self.prepend.append(
            Notice(
                kind=kind,
                reason="due",
                text=template.get(self.lang).replace("{minutes}", str(int(minutes))),
            )
        )
        self._event(
            "pause_reminder" if kind == "pause" else "minor_break",
            due_at=due_at.isoformat(),
            minutes=round(minutes, 1),
        )

    # -- cases --------------------------------------------------------------------------------

    def _open_case(self, minor: bool, notify: bool) -> int:
        crisis = self.rules.crisis
        return self.queries.open_case(
            self.conn,
            {
                "app": self.app,
                "user_id": self.user_id,
                "state": "open",
                "opened_at": self.when,
                "target_minutes": crisis.response_target_minutes,
                "score": self.scores.explicit_self_harm,
                "message": self.text,
                "lang": self.lang,
                "minor": minor,
                "policy": f"{self.pack.id}@{self.pack.version}",
                "notify_state": "pending" if notify else "off",
                "notify_attempts": 0,
            },
        )
