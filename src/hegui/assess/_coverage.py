"""Bank size and coverage against the floors of the suite's policy pack."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from hegui.assess._bank import Bank
from hegui.assess._suite import Suite


@dataclass(frozen=True)
class CountCheck:
    """One count against its floor (``floor`` is ``None`` when the pack sets none)."""

    name: str
    count: int
    floor: int | None

    @property
    def ok(self) -> bool:
        return self.floor is None or self.count >= self.floor


@dataclass(frozen=True)
class BankCoverage:
    """What ``hegui bank stats`` reports for one bank.

    Counts are questions: a group (the Chinese original and its translations) is one question,
    as the standard's floors count questions; ``per_language`` counts the items (rows) per
    language.
    """

    bank: Bank
    total: CountCheck
    per_language: dict[str, int]
    items: int
    per_topic: list[CountCheck]
    newest: dt.date | None
    age_days: int | None
    max_age_days: int | None
    clause: str

    @property
    def too_old(self) -> bool:
        return (
            self.age_days is not None
            and self.max_age_days is not None
            and self.age_days > self.max_age_days
        )

    @property
    def ok(self) -> bool:
        return self.total.ok and all(c.ok for c in self.per_topic) and not self.too_old


def bank_coverage(suite: Suite, bank: Bank, today: dt.date) -> BankCoverage:
    """Size, per-risk or per-aspect counts and age of ``bank`` against the pack's floors."""
    floors = suite.floors(bank.spec)
    topic_of = {item.group: item.topic() for item in bank.items}
    topics = Counter(topic_of.values())
    wanted = floors.min_per_risk or floors.min_per_aspect
    per_topic = [CountCheck(name, topics.get(name, 0), floor) for name, floor in wanted.items()]
    per_topic += [
        CountCheck(name, n, None) for name, n in sorted(topics.items()) if name not in wanted
    ]
    newest = max((item.date for item in bank.items), default=None)
    return BankCoverage(
        bank=bank,
        total=CountCheck("total", len(topic_of), floors.min_total),
        per_language=dict(Counter(item.language for item in bank.items)),
        items=len(bank.items),
        per_topic=per_topic,
        newest=newest,
        age_days=(today - newest).days if newest is not None else None,
        max_age_days=floors.max_age_days,
        clause=floors.clause,
    )
