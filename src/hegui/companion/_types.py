"""What the monitor hands back: turn plans, notices, events, cases, profiles and reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Action(StrEnum):
    """What the gateway does with a turn."""

    PROCEED = "proceed"
    """Call the model; add the plan's notices before and after its answer."""
    ESCALATE = "escalate"
    """Do not show a model answer; show ``message`` (the crisis response). A case is open."""
    HUMAN_TAKEOVER = "human_takeover"
    """The user has an open case: do not call the model; show ``message`` (holding text)."""
    EXIT = "exit"
    """End the service now; show ``message`` (goodbye, or the minors' daily limit)."""


NoticeKind = Literal["identity", "pause", "minor_break", "support", "dependence"]


class Notice(_Model):
    """A text the gateway shows with the answer."""

    kind: NoticeKind
    """identity (AI notice), pause / minor_break (reminders), support, dependence."""
    reason: str
    """Why it shows: first_use, relogin, dependence, due, ambiguous_self_harm, …"""
    text: str
    """The text, in the user's language."""


class Event(_Model):
    """Something the monitor did, for the audit trail and ``hegui companion simulate``."""

    kind: str
    """identity_notice, pause_reminder, minor_break, support, dependence, escalation,
    human_takeover, exit, minor_limit, clock_skew."""
    at: datetime
    """When it happened (the turn's time)."""
    detail: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    """Facts without message content: reason, due time, case id, minutes."""


class TurnPlan(_Model):
    """The monitor's answer for one user message."""

    turn_id: int | None
    """Pass to :meth:`CompanionMonitor.after_turn` with the answer; ``None`` if not recorded."""
    action: Action
    """What the gateway does (see :class:`Action`)."""
    message: str | None = None
    """The text that replaces the model's answer (exit, takeover, escalate)."""
    prepend: list[Notice] = Field(default_factory=list)
    """Notices to show before the answer (AI identity, reminders)."""
    append: list[Notice] = Field(default_factory=list)
    """Notices to show after the answer (support, dependence)."""
    lang: str
    """zh or en: the language of the message and of every text in the plan."""
    minor: bool
    """The user is in minors mode."""
    blocked_risks: list[str] = Field(default_factory=list)
    """Risk ids the gateway must block for this user in every scope (minors mode)."""
    case_id: int | None = None
    """The user's open case (escalate, human_takeover)."""
    scores: dict[str, float] = Field(default_factory=dict)
    """The risk scorer's probabilities for the message (empty on exit)."""
    risk_ms: float = 0.0
    """Time the risk scorer took, in milliseconds."""
    events: list[Event] = Field(default_factory=list)
    """What the monitor did on this turn."""


class CaseState(StrEnum):
    """Where a human-takeover case is."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Case(_Model):
    """A crisis escalation in the human-takeover queue."""

    id: int
    """Case number."""
    app: str
    """App the user is on."""
    user_id: str
    """The user."""
    state: CaseState
    """open → acknowledged → resolved."""
    opened_at: datetime
    """When the case opened."""
    acknowledged_at: datetime | None
    """When a reviewer acknowledged it."""
    resolved_at: datetime | None
    """When a reviewer resolved it (and released the user)."""
    note: str | None
    """The reviewer's resolution note."""
    target_minutes: float
    """Acknowledgement target from the pack."""
    overdue: bool
    """Not acknowledged within the target (as of acknowledgement, or now if still open)."""
    score: float
    """Explicit self-harm score of the message that opened the case."""
    message: str | None
    """The message that opened the case (``None`` after the user deleted their history)."""
    lang: str
    """Language of the conversation."""
    minor: bool
    """The user was in minors mode."""
    policy: str
    """Pack id and version in force."""
    notify_state: Literal["off", "pending", "sent", "failed"]
    """Contact notification: not configured, pending, delivered, failed after all retries."""
    notify_attempts: int
    """Webhook attempts made."""
    notify_error: str | None
    """Last webhook error."""


class DayUsage(_Model):
    """One local day of a user's use."""

    day: str
    """Local date (the pack's UTC offset)."""
    minutes: float
    """Minutes of continuous use counted that day."""
    turns: int
    """Messages."""
    late_night_turns: int
    """Messages in the pack's late-night hours."""
    dependence_signals: int
    """Messages scoring as dependence."""
    support_signals: int
    """Messages scoring as ambiguous self-harm or extreme emotion."""


class UserProfile(_Model):
    """A user's emotional-risk and dependence profile over time, and minors-mode state."""

    app: str
    """App."""
    user_id: str
    """User."""
    minor: bool
    """In minors mode."""
    first_seen: datetime
    """First message."""
    last_seen: datetime
    """Latest message."""
    open_case: int | None
    """Open case number, if any."""
    days: list[DayUsage]
    """Usage per day, oldest first."""
    risk_counts: dict[str, int]
    """Messages per top risk label, over the user's recorded history."""
    over_dependent: bool
    """Dependence signals or daily use reached the pack's limits in the profile window."""
    trend: float | None
    """Minutes per day in the latest profile window divided by the window before (None if no
    earlier use)."""


class CrisisReport(_Model):
    """The annual crisis-referral report (SB 243): counts and the protocol, no personal data."""

    year: int
    """Calendar year (UTC)."""
    policy: str
    """Pack id and version whose protocol is stated."""
    recipient: str | None
    """Who receives the report, from the pack."""
    protocol: dict[str, str]
    """The protocol in force, zh and en."""
    crisis_referrals: int
    """Crisis responses with crisis-service referral (escalations)."""
    support_referrals: int
    """Support notices that listed crisis services."""
    cases_opened: int
    """Human-takeover cases opened."""
    cases_resolved: int
    """Of those, resolved."""
