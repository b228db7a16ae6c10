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

import operator
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
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
from hegui.policy import PolicyPack, Risk, Scope


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
    slow: bool = False
    """The detector takes long (a model forward pass, a network call): a caller on an event
    loop should run it off the loop (see :meth:`Cascade.check_fast`)."""


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
        # The policy is read per text on hot paths (gateway, corpus scan): look it up once.
        self._rules = tuple(_RiskRule.of(policy, risk, scope) for risk in policy.risks)
        self._escalation = {id(tier): self._escalation_rules(tier) for tier in self.tiers}
        # A text's scores name a few labels; these indexes reach the rules they can touch
        # without visiting every risk of the pack.
        self._rules_of_label = _index_by_label(rule.labels for rule in self._rules)
        self._escalation_of_label = {
            key: _index_by_label(labels for labels, _ in rules)
            for key, rules in self._escalation.items()
        }
        labels = {label for risk in policy.risks for label in risk.labels}
        labels |= {label for tier in self.tiers for label in tier.labels}
        self._label_block = {label: self._block_threshold_of_label(label) for label in labels}

    def check(self, text: str, role: Role = Role.PROMPT) -> Verdict:
        """Return the verdict for ``text``; an empty text is allowed with no categories.

        Raises :class:`HeguiError` when the text is longer than the policy's ``max_chars``.
        """
        self._check_length(text)
        results: list[tuple[Tier, DetectorResult]] = []
        self._run_tiers(text, role, results, 0, stop_at_slow=False)
        return self._verdict(results, role)

    def check_fast(self, text: str, role: Role = Role.PROMPT) -> Verdict | Callable[[], Verdict]:
        """Run the tiers up to the first slow tier that has to run.

        Returns the verdict when no slow tier is needed; otherwise a function that runs the
        rest and returns the verdict — an event loop calls it in a worker thread. Together they
        give exactly :meth:`check`'s verdict. Raises like :meth:`check`.
        """
        self._check_length(text)
        results: list[tuple[Tier, DetectorResult]] = []
        stopped = self._run_tiers(text, role, results, 0, stop_at_slow=True)
        if stopped is None:
            return self._verdict(results, role)

        def finish() -> Verdict:
            self._run_tiers(text, role, results, stopped, stop_at_slow=False)
            return self._verdict(results, role)

        return finish

    def _run_tiers(
        self,
        text: str,
        role: Role,
        results: list[tuple[Tier, DetectorResult]],
        first: int,
        stop_at_slow: bool,
    ) -> int | None:
        """Run ``self.tiers[first:]`` as needed into ``results``; the index of a slow tier that
        must run when ``stop_at_slow`` (left to the caller), else None."""
        if not text or text.isspace():
            return None
        for index in range(first, len(self.tiers)):
            tier = self.tiers[index]
            if role not in tier.roles or not self._should_run(tier, results):
                continue
            if stop_at_slow and tier.slow:
                return index
            results.append((tier, _run(tier.detector, text, role)))
        return None

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
        active = [i for i, text in enumerate(texts) if text and not text.isspace()]
        scored: set[int] = set()  # texts some tier has scored: the only ones a band can hold
        band_needs_scores = self.policy.cascade.uncertain_low > 0
        for tier in self.tiers:
            if role not in tier.roles or tier.run is TierRun.NEVER:
                continue
            if tier.run is TierRun.ALWAYS:
                chosen = active
            else:
                maybe = sorted(scored) if band_needs_scores else active
                chosen = [i for i in maybe if self._should_run(tier, results[i])]
            if not chosen:
                continue
            found = _run_many(tier.detector, [texts[i] for i in chosen], role)
            for i, result in zip(chosen, found, strict=True):
                results[i].append((tier, result))
                if result.scores:
                    scored.add(i)
        allow = self._allow(role)  # one shared verdict for every clean text (it is immutable)
        return [self._verdict(done, role) if _found_anything(done) else allow for done in results]

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
        if low > 0 and not any(res.scores for _, res in done):
            return False  # nothing scored, so nothing can be in the band
        scores = _combine(done, self._label_block)
        rules = self._escalation[id(tier)]
        if low > 0:
            # only a rule with some label at or above ``low`` can have its score in the band
            reached = (label for label, (score, _) in scores.items() if score >= low)
            rules = tuple(rules[i] for i in _rules_of(self._escalation_of_label[id(tier)], reached))
        for labels, high in rules:
            score = max((scores.get(label, (0.0, ""))[0] for label in labels), default=0.0)
            if low <= score < high:
                return True
        return False

    def _escalation_rules(self, tier: Tier) -> tuple[tuple[tuple[str, ...], float], ...]:
        """Per risk the tier can score: its labels and the top of its uncertain band."""
        rules = []
        for risk in self.policy.risks:
            if not tier.labels.intersection(risk.labels):
                continue
            high = self.policy.thresholds_for(risk.id).block
            if self.policy.cascade.uncertain_high is not None:
                high = min(high, self.policy.cascade.uncertain_high)
            rules.append((tuple(risk.labels), high))
        return tuple(rules)

    def _block_threshold_of_label(self, label: str) -> float:
        risks = self.policy.risks_for_label(label)
        if not risks:
            return 1.0
        return min(self.policy.thresholds_for(r.id).block for r in risks)

    def _allow(self, role: Role, latency: dict[str, float] | None = None) -> Verdict:
        """The verdict for a text in which no detector found anything and none failed."""
        return Verdict(
            Decision.ALLOW, (), (), None, self.policy.id, self.policy.version, role, latency or {}
        )

    def _verdict(self, results: list[tuple[Tier, DetectorResult]], role: Role) -> Verdict:
        latency = {res.detector: round(res.latency_ms, 3) for _, res in results}
        if not _found_anything(results):
            return self._allow(role, latency)
        errors = {res.detector: res.error for _, res in results if res.error}
        scores = _combine(results, self._label_block)
        by_decision: dict[Decision, list[CategoryScore]] = {d: [] for d in _WORST_FIRST}
        # rules in the pack's order (ties keep it below); one with no positive label scores 0
        scored = (label for label, (score, _) in scores.items() if score > 0.0)
        for rule in (self._rules[i] for i in _rules_of(self._rules_of_label, scored)):
            best, by = 0.0, ""
            for label in rule.labels:
                score, detector = scores.get(label, (0.0, ""))
                if score > best:
                    best, by = score, detector
            if best > 0.0:
                decided = rule.decide(best)
                by_decision[decided].append(CategoryScore(rule.risk, round(best, 4), by, decided))
        # worst decision first, then highest score (stable: ties keep the pack's order)
        categories: list[CategoryScore] = []
        for decided in _WORST_FIRST:
            categories += sorted(by_decision[decided], key=_SCORE, reverse=True)
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


_WORST_FIRST = (Decision.BLOCK, Decision.FLAG, Decision.ALLOW)
_SCORE = operator.attrgetter("score")


@dataclass(frozen=True, slots=True)
class _RiskRule:
    """One risk's labels, thresholds and action in the cascade's scope."""

    risk: str
    labels: tuple[str, ...]
    flag: float
    block: float
    action: Decision

    @classmethod
    def of(cls, policy: PolicyPack, risk: Risk, scope: Scope) -> _RiskRule:
        thresholds = policy.thresholds_for(risk.id)
        action = policy.action_for(risk.id, scope)
        return cls(risk.id, tuple(risk.labels), thresholds.flag, thresholds.block, action)

    def decide(self, score: float) -> Decision:
        if score >= self.block:
            return self.action
        if score >= self.flag and self.action is not Decision.ALLOW:
            return Decision.FLAG
        return Decision.ALLOW


def _index_by_label(label_sets: Iterable[Sequence[str]]) -> dict[str, tuple[int, ...]]:
    """``label -> indexes`` of the label sets (in order) that contain it."""
    index: dict[str, list[int]] = {}
    for i, labels in enumerate(label_sets):
        for label in labels:
            index.setdefault(label, []).append(i)
    return {label: tuple(found) for label, found in index.items()}


def _rules_of(of_label: Mapping[str, tuple[int, ...]], labels: Iterable[str]) -> list[int]:
    """The indexes (ascending) of the rules any of ``labels`` belongs to."""
    return sorted({i for label in labels for i in of_label.get(label, ())})


def _found_anything(results: Sequence[tuple[Tier, DetectorResult]]) -> bool:
    """Whether any detector scored, marked or failed on the text."""
    return any(res.scores or res.spans or res.error for _, res in results)


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
    results: Sequence[tuple[Tier, DetectorResult]], label_block: Mapping[str, float]
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
                or score >= label_block.get(label, 1.0)
            )
            if decisive and score > combined.get(label, (0.0, ""))[0]:
                combined[label] = (score, res.detector)
    return combined
