"""The shared vocabulary of detection: roles, decisions, spans, detector results, verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Role(StrEnum):
    """Which side of an exchange a text is: the user's prompt or the model's answer."""

    PROMPT = "prompt"
    ANSWER = "answer"


class Decision(StrEnum):
    """What the policy says to do with a text, in increasing severity."""

    ALLOW = "allow"
    FLAG = "flag"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _RANK[self.value]


_RANK = {"allow": 0, "flag": 1, "block": 2}


@dataclass(frozen=True, slots=True)
class Span:
    """Evidence in the *original* text: ``text[start:end]`` is what the detector saw."""

    start: int
    end: int
    text: str
    label: str
    detector: str
    score: float = 1.0


@dataclass(frozen=True, slots=True)
class DetectorResult:
    """What one detector said about one text.

    ``scores`` maps detector labels (see ``hegui.detect.labels``) to a score in [0, 1].
    A detector that failed sets ``error`` and returns no scores; the cascade decides what a
    failure means under the policy.
    """

    detector: str
    scores: dict[str, float]
    spans: tuple[Span, ...] = ()
    latency_ms: float = 0.0
    error: str | None = None


@runtime_checkable
class Detector(Protocol):
    """A scorer of text. ``name`` is stable and appears in verdicts and logs."""

    name: str

    def detect(self, text: str, role: Role) -> DetectorResult: ...


@dataclass(frozen=True, slots=True)
class CategoryScore:
    """A policy risk id with the highest score any detector gave it, and who gave it."""

    id: str
    score: float
    detector: str
    decision: Decision


@dataclass(frozen=True, slots=True)
class Verdict:
    """The cascade's single, explained answer for one text under one policy."""

    decision: Decision
    categories: tuple[CategoryScore, ...]
    spans: tuple[Span, ...]
    decided_by: str | None
    policy_id: str
    policy_version: str
    role: Role
    latency_ms: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def total_latency_ms(self) -> float:
        return sum(self.latency_ms.values())
