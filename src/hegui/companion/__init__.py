"""Companion-chat safeguards: session time, AI-identity notices, dependence and self-harm
escalation to a human, minors mode, exit, deletion and the SB 243 report.

The gateway calls :class:`CompanionMonitor` per turn (``before_turn`` → :class:`TurnPlan`,
then ``after_turn``); :func:`admin_router` is the reviewers' HTTP API. See docs/companion.md.
"""

from hegui.companion._admin import admin_router
from hegui.companion._cases import CaseQueue
from hegui.companion._monitor import CompanionMonitor, language, utc_now
from hegui.companion._notify import WebhookNotifier
from hegui.companion._report import crisis_report, report_csv
from hegui.companion._risk import LABELS, RiskScorer, RiskScores, default_weights
from hegui.companion._rules import rules_of
from hegui.companion._store import DEFAULT_URL, CompanionStore
from hegui.companion._types import (
    Action,
    Case,
    CaseState,
    CrisisReport,
    DayUsage,
    Event,
    Notice,
    TurnPlan,
    UserProfile,
)
from hegui.companion._users import UserRecords

__all__ = [
    "DEFAULT_URL",
    "LABELS",
    "Action",
    "Case",
    "CaseQueue",
    "CaseState",
    "CompanionMonitor",
    "CompanionStore",
    "CrisisReport",
    "DayUsage",
    "Event",
    "Notice",
    "RiskScorer",
    "RiskScores",
    "TurnPlan",
    "UserProfile",
    "UserRecords",
    "WebhookNotifier",
    "admin_router",
    "crisis_report",
    "default_weights",
    "language",
    "report_csv",
    "rules_of",
    "utc_now",
]
