"""Companion-chat rules: the part of a policy pack that the companion monitor enforces.

Every group of values carries ``clause``, the rule it encodes (REGULATIONS.md §5–6), so an
operator can see where a number comes from and update it when the rule changes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hegui.policy._schema import Bilingual


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    clause: str = Field(min_length=1)
    """The clause this group of values encodes; (2°) / (?) marks as in REGULATIONS.md."""


class SessionRules(_Rule):
    """What counts as one continuous session, and when a day starts."""

    gap_minutes: float = Field(gt=0)
    """A pause longer than this ends the session; the next message is a re-login."""
    utc_offset_hours: float = Field(ge=-12, le=14)
    """Offset of the service's local time from UTC, for daily totals and late-night use."""
    late_night_start: int = Field(ge=0, le=23)
    """Local hour at which late-night use starts (inclusive)."""
    late_night_end: int = Field(ge=0, le=23)
    """Local hour at which late-night use ends (exclusive); may be below the start."""


class IdentityNotice(_Rule):
    """The notice that the user is talking to an AI, not a person."""

    on_first_use: bool
    """Shown on the user's first message."""
    on_relogin: bool
    """Shown on the first message of every new session."""
    on_dependence: bool
    """Shown when over-dependence is detected (at most once per session)."""
    text: Bilingual
    """The notice."""


class PauseReminder(_Rule):
    """The reminder to take a break after continuous use."""

    after_minutes: float = Field(gt=0)
    """Continuous use after which the reminder is due, and again every this many minutes."""
    text: Bilingual
    """The reminder; ``{minutes}`` is replaced by the minutes of continuous use."""


class MinorRules(_Rule):
    """Minors mode: stricter reminders and limits for users known or suspected to be minors."""

    break_every_minutes: float = Field(gt=0)
    """A break reminder that restates the bot is an AI is due this often in a session."""
    break_text: Bilingual
    """The minors' break reminder; ``{minutes}`` is replaced by the minutes of use."""
    daily_limit_minutes: float | None = Field(default=None, gt=0)
    """Daily use after which the service ends for the day; ``None``: no limit."""
    limit_text: Bilingual
    """Shown when the daily limit is reached and the service ends for the day."""
    blocked_risks: list[str] = Field(default_factory=list)
    """Risk ids the gateway blocks for minors in every scope (e.g. sexual content)."""


class ExitRules(_Rule):
    """How a user ends the service: a keyword (or the app's button) stops it at once."""

    keywords: dict[Literal["zh", "en"], list[str]]
    """Messages that end the service; matched whole, ignoring case, spaces and punctuation."""
    goodbye: Bilingual
    """The goodbye shown on exit."""

    @model_validator(mode="after")
    def _non_empty(self) -> ExitRules:
        if not any(words for words in self.keywords.values()):
            raise ValueError("at least one exit keyword is required")
        return self


class RiskRules(_Rule):
    """Per-turn risk scores that trigger support notices and escalation."""

    escalate_at: float = Field(gt=0, le=1)
    """Explicit self-harm intent score at or above which the turn escalates to a human."""
    support_at: float = Field(gt=0, le=1)
    """Ambiguous self-harm or extreme-emotion score at or above which a support notice shows."""
    dependence_at: float = Field(gt=0, le=1)
    """Dependence score at or above which the turn counts as a dependence signal."""
    dependence_signals: int = Field(ge=1)
    """Signals in the profile window after which the user counts as over-dependent."""
    dependence_daily_minutes: float = Field(gt=0)
    """Daily use at or above which the user also counts as over-dependent."""
    profile_days: int = Field(ge=1)
    """Days of history the per-user profile counts signals over."""
    support_text: Bilingual
    """Soothing notice with professional-help options; ``{resources}`` lists the hotlines."""
    dependence_text: Bilingual
    """Notice on over-dependence, encouraging offline relationships."""


class CrisisResource(BaseModel):
    """A crisis service users are referred to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Bilingual
    """Name of the service."""
    contact: str = Field(min_length=1)
    """Phone number, text line or address."""


class CrisisRules(_Rule):
    """The crisis protocol: what replaces the answer, who takes over and how fast."""

    response: Bilingual
    """Replaces the model's answer on escalation; ``{resources}`` lists the crisis services."""
    holding: Bilingual
    """Answer to every message while a human has the conversation."""
    resources: list[CrisisResource] = Field(min_length=1)
    """Crisis services for the pack's locale."""
    response_target_minutes: float = Field(gt=0)
    """Time within which a reviewer should acknowledge a case."""
    notify_contact: bool
    """Notify the guardian or emergency contact (through the webhook) when a case opens."""
    protocol: Bilingual
    """The published protocol, as stated in the annual report."""

    def resource_list(self, lang: str) -> str:
        """The crisis services, one per line, in ``lang``."""
        return "\n".join(f"- {r.name.get(lang)}: {r.contact}" for r in self.resources)


class ReportRules(_Rule):
    """The annual crisis-referral report (SB 243); absent when the rule does not ask for one."""

    first_due: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    """Date the first report is due."""
    recipient: str = Field(min_length=1)
    """Who receives the report."""


class DataRules(_Rule):
    """What users may do with their data."""

    user_deletion: bool
    """Users can delete their history; an audit record without content remains."""


class CompanionRules(BaseModel):
    """Rules for human-like ("companion") chat services, enforced by ``hegui.companion``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    locale: str = Field(min_length=2)
    """Locale of the crisis resources and default language, e.g. ``zh-CN`` or ``en-US``."""
    session: SessionRules
    """Continuous sessions and days."""
    identity_notice: IdentityNotice
    """AI-identity notice."""
    pause_reminder: PauseReminder | None = None
    """Pause reminder for every user; ``None`` where the rule asks for none."""
    minors: MinorRules
    """Minors mode."""
    exit: ExitRules
    """Exit keywords."""
    risk: RiskRules
    """Risk thresholds and support notices."""
    crisis: CrisisRules
    """Crisis protocol and human takeover."""
    report: ReportRules | None = None
    """Annual crisis-referral report; ``None`` where none is required."""
    data: DataRules
    """User data rights."""

    @property
    def default_lang(self) -> str:
        """``zh`` or ``en``: the language of the locale."""
        return "zh" if self.locale.lower().startswith("zh") else "en"
