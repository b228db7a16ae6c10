"""The cascade: one explained verdict per text, running expensive detectors only when needed.

Tiers run in order of cost. Cheap detectors (keywords, PII) always run. A contextual
classifier tier runs when the policy says ``always``, or ``uncertain`` and some risk's score so
far lies in the uncertain band ``[cascade.uncertain_low, cascade.uncertain_high)`` (the
upper end defaults to the risk's block threshold).

How scores combine, per detector label:

* a contextual detector (a classifier or guard model that reads the whole text) that has a head
  for the label overrides every cheaper contextual detector for that label;
* a keyword hit counts in full when it reaches the risk's block threshold (an unambiguous
  phrase), or when no contextual detector scored that label; otherwise it only served to
  escalate and the contextual score decides — so "kill" in "kill a Python process" does not
  flag once the classifier has read the sentence;
* exact detectors (PII patterns with checksums) always count in full.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hegui.detect._types import (
    CategoryScore,
    Decision,
    Detector,
    DetectorResult,
    Role,
    Verdict,
)
from hegui.errors import HeguiError
from hegui.policy import PolicyPack, Scope


class TierKind(StrEnum):
    """How a detector's scores combine with the others' (see the module docstring)."""

    LEXICAL = "lexical"
    EXACT = "exact"
    CONTEXTUAL = "contextual"


class TierRun(StrEnum):
    """When a tier runs: every time, only when earlier tiers left a risk uncertain, or never."""

    ALWAYS = "always"
    UNCERTAIN = "uncertain"
    NEVER = "never"


@dataclass(frozen=True)
class Tier:
    """A detector in the cascade, with how its scores combine and when it runs."""

    detector: Detector
    kind: TierKind
    run: TierRun
    labels: frozenset[str]
    """Labels the detector can score; a contextual detector overrides others only on these."""
    roles: frozenset[Role] = frozenset(Role)
    """Which side of an exchange the tier checks (prompts, answers or both)."""


class Cascade:
    """Checks texts against one policy pack in one deployment scope.

    Build it once and reuse it: detectors load their data (keyword automaton, classifier
    weights, the embedding model) once. :meth:`check` is thread-compatible as long as the
    detectors are.
    """

    def __init__(self, policy: PolicyPack, tiers: Sequence[Tier], scope: Scope = Scope.PUBLIC):
        self.policy = policy
        self.scope = scope
        self.tiers = tuple(tiers)

    def check(self, text: str, role: Role = Role.PROMPT) -> Verdict:
        """Return the verdict for ``text``; an empty text is allowed with no categories.

        Raises :class:`HeguiError` when the text is longer than the policy's ``max_chars``.
        """
        self._check_length(text)
        results: list[tuple[Tier, DetectorResult]] = []
        if text.strip():
            for tier in self.tiers:
                if role not in tier.roles or not self._should_run(tier, results):
                    continue
                results.append((tier, _run(tier.detector, text, role)))
        return self._verdict(results, role)

    def check_many(self, texts: Sequence[str], role: Role = Role.PROMPT) -> list[Verdict]:
        """Exactly ``[check(t, role) for t in texts]`` (latencies aside), tier by tier.

        Each tier runs once over the texts that need it; a detector with a
        ``detect_many(texts, role)`` method (keywords, PII, the n-gram classifier) scores them
        in one call, which is what makes bulk scanning (the corpus audit) fast. Raises like
        :meth:`check` for the first text that is too long.
        """
        for text in texts:
            self._check_length(text)
        results: list[list[tuple[Tier, DetectorResult]]] = [[] for _ in texts]
        active = [i for i, text in enumerate(texts) if text.strip()]
        for tier in self.tiers:
            if role not in tier.roles:
                continue
            chosen = [i for i in active if self._should_run(tier, results[i])]
            if not chosen:
                continue
            found = _run_many(tier.detector, [texts[i] for i in chosen], role)
            for i, result in zip(chosen, found, strict=True):
                results[i].append((tier, result))
        return [self._verdict(done, role) for done in results]

    def _check_length(self, text: str) -> None:
        limit = self.policy.cascade.max_chars
        if len(text) > limit:
            raise HeguiError(
                f"text has {len(text):,} characters, more than the policy's limit of {limit:,} "
                "(cascade.max_chars); split it or raise the limit in the policy pack",
                f"文本有 {len(text):,} 个字符，超过策略上限 {limit:,}（cascade.max_chars）；"
                "请拆分文本或在策略包中调高上限",
            )

    def _should_run(self, tier: Tier, done: list[tuple[Tier, DetectorResult]]) -> bool:
        if tier.run is TierRun.ALWAYS:
            return True
        if tier.run is TierRun.NEVER:
            return False
        low = self.policy.cascade.uncertain_low
        scores = _combine(done, self._block_threshold_of_label)
        if low > 0 and all(score < low for score, _ in scores.values()):
            return False  # nothing reached the band: the loop below would find no risk in it
        for risk in self.policy.risks:
            if not tier.labels.intersection(risk.labels):
                continue
            high = self.policy.thresholds_for(risk.id).block
            if self.policy.cascade.uncertain_high is not None:
                high = min(high, self.policy.cascade.uncertain_high)
            score = max((scores.get(label, (0.0, ""))[0] for label in risk.labels), default=0.0)
            if low <= score < high:
                return True
        return False

    def _block_threshold_of_label(self, label: str) -> float:
        risks = self.policy.risks_for_label(label)
        if not risks:
            return 1.0
        return min(self.policy.thresholds_for(r.id).block for r in risks)

    def _verdict(self, results: list[tuple[Tier, DetectorResult]], role: Role) -> Verdict:
        latency = {res.detector: round(res.latency_ms, 3) for _, res in results}
        errors = {res.detector: res.error for _, res in results if res.error}
        scores = _combine(results, self._block_threshold_of_label)
        categories: list[CategoryScore] = []
        for risk in self.policy.risks if scores else ():
            best, by = 0.0, ""
            for label in risk.labels:
                score, detector = scores.get(label, (0.0, ""))
                if score > best:
                    best, by = score, detector
            if best <= 0.0:
                continue
            thresholds = self.policy.thresholds_for(risk.id)
            action = self.policy.action_for(risk.id, self.scope)
            if best >= thresholds.block:
                decision = action
            elif best >= thresholds.flag and action is not Decision.ALLOW:
                decision = Decision.FLAG
            else:
                decision = Decision.ALLOW
            categories.append(CategoryScore(risk.id, round(best, 4), by, decision))
        categories.sort(key=lambda c: (-c.decision.rank, -c.score))
        decision = categories[0].decision if categories else Decision.ALLOW
        decided_by = (
            categories[0].detector if categories and decision is not Decision.ALLOW else None
        )
        if errors and self.policy.cascade.on_detector_error[self.scope] == "fail_closed":
            if decision is not Decision.BLOCK:
                decided_by = "error:" + ",".join(sorted(errors))
            decision = Decision.BLOCK
        spans = tuple(span for _, res in results for span in res.spans)
        return Verdict(
            decision=decision,
            categories=tuple(categories),
            spans=spans,
            decided_by=decided_by,
            policy_id=self.policy.id,
            policy_version=self.policy.version,
            role=role,
            latency_ms=latency,
            errors=errors,
        )


def _run(detector: Detector, text: str, role: Role) -> DetectorResult:
    """Run one detector; an exception becomes an error result so the policy can decide."""
    started = time.perf_counter()
    try:
        return detector.detect(text, role)
    except Exception as exc:  # a detector bug must not take the gate down; it is reported
        elapsed = (time.perf_counter() - started) * 1000
        return DetectorResult(detector.name, {}, (), elapsed, f"{type(exc).__name__}: {exc}")


def _run_many(detector: Detector, texts: list[str], role: Role) -> list[DetectorResult]:
    """Run one detector over ``texts``, in one call when it can; errors as in :func:`_run`."""
    many = getattr(detector, "detect_many", None)
    if many is not None:
        try:
            results: list[DetectorResult] = many(texts, role)
            return results
        except Exception:  # find which text failed: each gets its own error result
            pass
    return [_run(detector, text, role) for text in texts]


def _combine(
    results: Sequence[tuple[Tier, DetectorResult]],
    block_threshold_of_label: Callable[[str], float],
) -> dict[str, tuple[float, str]]:
    """Combine detector scores per label into ``label -> (score, detector)`` (module doc)."""
    contextual: dict[str, tuple[float, str]] = {}
    for tier, res in results:
        if tier.kind is TierKind.CONTEXTUAL and not res.error:
            for label in tier.labels:
                contextual[label] = (res.scores.get(label, 0.0), res.detector)
    combined = dict(contextual)
    for tier, res in results:
        if tier.kind is TierKind.CONTEXTUAL or res.error:
            continue
        for label, score in res.scores.items():
            decisive = (
                tier.kind is TierKind.EXACT
                or label not in contextual
                or score >= block_threshold_of_label(label)
            )
            if decisive and score > combined.get(label, (0.0, ""))[0]:
                combined[label] = (score, res.detector)
    return combined
