"""Size, age and per-risk coverage of a keyword library against a policy's floors.

The floors come from the pack's ``requirements["keyword_library"]``: ``values["min_total"]``,
``values["max_age_days"]`` and ``min_per_risk`` (risk id → minimum entries). An entry counts
for a risk when its label is one of the risk's labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hegui.detect.keywords._library import KeywordLibrary

REQUIREMENT = "keyword_library"


class RiskLike(Protocol):
    """The part of a policy risk the stats read."""

    @property
    def id(self) -> str: ...

    @property
    def labels(self) -> Collection[str]: ...


class RequirementLike(Protocol):
    """The part of a policy requirement the stats read."""

    @property
    def values(self) -> Mapping[str, Any]: ...

    @property
    def min_per_risk(self) -> Mapping[str, int]: ...


class PackLike(Protocol):
    """The part of a policy pack the stats read."""

    @property
    def id(self) -> str: ...

    @property
    def risks(self) -> Sequence[RiskLike]: ...

    @property
    def requirements(self) -> Mapping[str, RequirementLike]: ...


@dataclass(frozen=True, slots=True)
class Floor:
    """One requirement: ``actual`` against ``required``; ``at_most`` for the age limit."""

    name: str
    required: int
    actual: int
    at_most: bool = False

    @property
    def passed(self) -> bool:
        return self.actual <= self.required if self.at_most else self.actual >= self.required


@dataclass(frozen=True, slots=True)
class LibraryStats:
    """Everything ``hegui keywords stats`` prints."""

    policy: str
    total: int
    labels: dict[str, int]
    langs: dict[str, int]
    updated: dt.date
    age_days: int
    per_risk: dict[str, int]
    floors: list[Floor] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """All floors met (vacuously true when the policy sets none)."""
        return all(floor.passed for floor in self.floors)

    def as_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "total": self.total,
            "labels": self.labels,
            "langs": self.langs,
            "updated": self.updated.isoformat(),
            "age_days": self.age_days,
            "per_risk": self.per_risk,
            "floors": [
                {
                    "name": f.name,
                    "required": f.required,
                    "actual": f.actual,
                    "at_most": f.at_most,
                    "passed": f.passed,
                }
                for f in self.floors
            ],
            "passed": self.passed,
        }


def library_stats(
    library: KeywordLibrary, pack: PackLike, today: dt.date | None = None
) -> LibraryStats:
    """Measure ``library`` against ``pack``'s keyword-library floors."""
    labels = library.label_counts()
    per_risk = {risk.id: sum(labels.get(label, 0) for label in risk.labels) for risk in pack.risks}
    age = library.age_days(today)
    floors: list[Floor] = []
    requirement = pack.requirements.get(REQUIREMENT)
    if requirement is not None:
        if "min_total" in requirement.values:
            floors.append(Floor("total", int(requirement.values["min_total"]), len(library)))
        if "max_age_days" in requirement.values:
            floors.append(
                Floor("age_days", int(requirement.values["max_age_days"]), age, at_most=True)
            )
        floors += [
            Floor(risk_id, minimum, per_risk.get(risk_id, 0))
            for risk_id, minimum in requirement.min_per_risk.items()
        ]
    return LibraryStats(
        policy=pack.id,
        total=len(library),
        labels=dict(sorted(labels.items())),
        langs=dict(sorted(library.lang_counts().items())),
        updated=library.updated,
        age_days=age,
        per_risk=per_risk,
        floors=floors,
    )
