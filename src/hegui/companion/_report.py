"""The annual crisis-referral report (SB 243): yearly counts and the protocol, no personal data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import func, select

from hegui.companion import _store as db
from hegui.companion._rules import rules_of
from hegui.companion._store import CompanionStore
from hegui.companion._types import CrisisReport
from hegui.policy._schema import PolicyPack


def crisis_report(store: CompanionStore, pack: PolicyPack, year: int) -> CrisisReport:
    """Counts for calendar ``year`` (UTC) of every app under ``pack`` (any version)."""
    rules = rules_of(pack)
    start = datetime(year, 1, 1, tzinfo=UTC).timestamp()
    end = datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()
    prefix = f"{pack.id}@%"
    with store.transaction() as conn:
        counts: dict[str, int] = dict(
            conn.execute(
                select(db.events.c.kind, func.count())
                .where(
                    (db.events.c.at >= start)
                    & (db.events.c.at < end)
                    & db.events.c.policy.like(prefix)
                    & db.events.c.kind.in_(("escalation", "support"))
                )
                .group_by(db.events.c.kind)
            ).all()
        )
        in_year = (
            (db.cases.c.opened_at >= start)
            & (db.cases.c.opened_at < end)
            & db.cases.c.policy.like(prefix)
        )
        opened = conn.execute(
            select(func.count()).select_from(db.cases).where(in_year)
        ).scalar_one()
        resolved = conn.execute(
            select(func.count())
            .select_from(db.cases)
            .where(in_year & (db.cases.c.state == "resolved"))
        ).scalar_one()
    crisis, report = rules.crisis, rules.report
    return CrisisReport(
        year=year,
        policy=f"{pack.id}@{pack.version}",
        recipient=report.recipient if report else None,
        protocol={"zh": crisis.protocol.zh, "en": crisis.protocol.en},
        crisis_referrals=int(counts.get("escalation", 0)),
        support_referrals=int(counts.get("support", 0)),
        cases_opened=int(opened),
        cases_resolved=int(resolved),
    )


def report_csv(report: CrisisReport) -> str:
    """The report as two-column CSV (field, value)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["field", "value"])
    for key, value in report.model_dump(mode="json").items():
        if isinstance(value, dict):
            for sub, text in value.items():
                writer.writerow([f"{key}.{sub}", text])
        else:
            writer.writerow([key, "" if value is None else value])
    return out.getvalue()
