"""Per-source counters a shard produces and the audit sums (plain JSON, so Ray can carry them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hegui.corpus._readers import Document, Problem
from hegui.corpus._scan import risks_at
from hegui.detect import Decision, Verdict

EXAMPLES_PER_KIND = 3
"""Problems of each kind kept with their place, per source, for the report."""


@dataclass
class SourceTally:
    """What has been read and scanned of one source so far."""

    n_docs: int = 0
    n_scanned: int = 0
    n_unsafe: int = 0
    n_flagged: int = 0
    n_bytes: int = 0
    risk_unsafe: Counter[str] = field(default_factory=Counter)
    risk_flagged: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    encodings: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, str]] = field(default_factory=list)

    def add_document(self, doc: Document) -> None:
        self.n_docs += 1
        self.n_bytes += doc.n_bytes
        self.encodings[doc.encoding] += 1

    def add_problem(self, problem: Problem) -> None:
        self.problems[problem.kind] += 1
        if self.problems[problem.kind] <= EXAMPLES_PER_KIND:
            self.examples.append(
                {"kind": problem.kind, "where": problem.where, "detail": problem.detail}
            )

    def add_verdict(self, doc: Document, verdict: Verdict) -> bool:
        """Count a scanned document; ``True`` when it goes to ``flagged.jsonl``.

        A verdict a detector failed on is a ``detector_error`` problem, not a scan result.
        """
        if verdict.errors:
            self.add_problem(
                Problem(doc.source, "detector_error", doc.where, "; ".join(verdict.errors.values()))
            )
            return False
        self.n_scanned += 1
        if verdict.decision is Decision.BLOCK:
            self.n_unsafe += 1
            self.risk_unsafe.update(risks_at(verdict, Decision.BLOCK))
            return True
        if verdict.decision is Decision.FLAG:
            self.n_flagged += 1
            self.risk_flagged.update(risks_at(verdict, Decision.FLAG))
            return True
        return False

    def merge(self, other: SourceTally) -> None:
        self.n_docs += other.n_docs
        self.n_scanned += other.n_scanned
        self.n_unsafe += other.n_unsafe
        self.n_flagged += other.n_flagged
        self.n_bytes += other.n_bytes
        self.risk_unsafe.update(other.risk_unsafe)
        self.risk_flagged.update(other.risk_flagged)
        for example in other.examples:
            kept = sum(1 for e in self.examples if e["kind"] == example["kind"])
            if kept < EXAMPLES_PER_KIND:
                self.examples.append(example)
        self.problems.update(other.problems)
        self.encodings.update(other.encodings)

    def as_json(self) -> dict[str, Any]:
        return {
            "n_docs": self.n_docs,
            "n_scanned": self.n_scanned,
            "n_unsafe": self.n_unsafe,
            "n_flagged": self.n_flagged,
            "n_bytes": self.n_bytes,
            "risk_unsafe": dict(self.risk_unsafe),
            "risk_flagged": dict(self.risk_flagged),
            "problems": dict(self.problems),
            "encodings": dict(self.encodings),
            "examples": self.examples,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceTally:
        return cls(
            n_docs=data["n_docs"],
            n_scanned=data["n_scanned"],
            n_unsafe=data["n_unsafe"],
            n_flagged=data["n_flagged"],
            n_bytes=data["n_bytes"],
            risk_unsafe=Counter(data["risk_unsafe"]),
            risk_flagged=Counter(data["risk_flagged"]),
            problems=Counter(data["problems"]),
            encodings=Counter(data["encodings"]),
            examples=list(data["examples"]),
        )


class Tallies(dict[str, SourceTally]):
    """``source -> SourceTally``, created on first use."""

    def of(self, source: str) -> SourceTally:
        tally = self.get(source)
        if tally is None:
            tally = self[source] = SourceTally()
        return tally

    def merge(self, other: Tallies) -> None:
        for source, tally in other.items():
            self.of(source).merge(tally)

    def as_json(self) -> dict[str, Any]:
        return {source: tally.as_json() for source, tally in sorted(self.items())}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tallies:
        return cls({source: SourceTally.from_json(t) for source, t in data.items()})
