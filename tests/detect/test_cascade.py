"""The cascade's rules: when tiers run, how their scores combine, what a failure means."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from hegui.detect import Cascade, Decision, DetectorResult, Role, Span, Tier, TierKind, TierRun
from hegui.errors import HeguiError
from hegui.policy import PolicyPack, Scope, load_policy


@dataclass
class ScriptedDetector:
    """A detector that returns fixed scores and counts its calls (the cascade's unit tests)."""

    name: str
    scores: dict[str, float]
    fail: bool = False
    calls: list[str] = field(default_factory=list)

    def detect(self, text: str, role: Role) -> DetectorResult:
        self.calls.append(text)
        if self.fail:
            raise RuntimeError("model server went away")
        spans = tuple(Span(0, 2, text[:2], label, self.name, s) for label, s in self.scores.items())
        return DetectorResult(self.name, dict(self.scores), spans, 0.1)


def tier(det: ScriptedDetector, kind: TierKind, run: TierRun, labels: set[str]) -> Tier:
    return Tier(det, kind, run, frozenset(labels))


BASELINE = load_policy("baseline")


def escalating(
    first: ScriptedDetector,
    second: ScriptedDetector,
    label: str,
    *,
    first_kind: TierKind = TierKind.CONTEXTUAL,
    second_run: TierRun = TierRun.UNCERTAIN,
    policy: PolicyPack = BASELINE,
) -> Cascade:
    """A cheap tier that always runs, then a contextual tier, both scoring ``label``."""
    return Cascade(
        policy,
        [
            tier(first, first_kind, TierRun.ALWAYS, {label}),
            tier(second, TierKind.CONTEXTUAL, second_run, {label}),
        ],
    )


def test_low_keyword_hit_escalates_and_the_classifier_decides() -> None:
    words = ScriptedDetector("keywords", {"violence": 0.5})
    model = ScriptedDetector("model", {"violence": 0.02})
    cascade = escalating(words, model, "violence", first_kind=TierKind.LEXICAL)
    verdict = cascade.check("how do I kill a stuck process")
    assert model.calls, "an uncertain keyword score must escalate to the classifier"
    assert verdict.decision is Decision.ALLOW
    assert "model" in verdict.latency_ms


def test_unambiguous_keyword_blocks_even_when_the_classifier_disagrees() -> None:
    words = ScriptedDetector("keywords", {"drugs": 0.95})
    model = ScriptedDetector("model", {"drugs": 0.1})
    cascade = escalating(
        words, model, "drugs", first_kind=TierKind.LEXICAL, second_run=TierRun.ALWAYS
    )
    verdict = cascade.check("x")
    assert verdict.decision is Decision.BLOCK
    assert verdict.categories[0].id == "drugs"
    assert verdict.decided_by == "keywords"


def test_certain_scores_do_not_run_the_expensive_tier() -> None:
    cheap = ScriptedDetector("cheap", {"fraud": 0.01})
    costly = ScriptedDetector("costly", {"fraud": 0.9})
    cascade = escalating(cheap, costly, "fraud")
    assert cascade.check("hello").decision is Decision.ALLOW
    assert costly.calls == []


def test_scores_above_the_band_are_decided_by_the_cheap_tier() -> None:
    """baseline's band is [0.45, 0.65): 0.7 is confident enough to flag without e5."""
    assert BASELINE.cascade.uncertain_high == 0.65
    cheap = ScriptedDetector("cheap", {"fraud": 0.7})
    costly = ScriptedDetector("costly", {"fraud": 0.01})
    cascade = escalating(cheap, costly, "fraud")
    verdict = cascade.check("send me your bank password")
    assert costly.calls == []
    assert verdict.decision is Decision.FLAG
    assert verdict.decided_by == "cheap"


def test_without_an_upper_end_the_band_reaches_the_block_threshold() -> None:
    wide = BASELINE.model_copy(
        update={"cascade": BASELINE.cascade.model_copy(update={"uncertain_high": None})}
    )
    cheap = ScriptedDetector("cheap", {"fraud": 0.7})
    costly = ScriptedDetector("costly", {"fraud": 0.01})
    cascade = escalating(cheap, costly, "fraud", policy=wide)
    assert cascade.check("send me your bank password").decision is Decision.ALLOW
    assert costly.calls


def test_later_contextual_tier_overrides_earlier_one() -> None:
    cheap = ScriptedDetector("cheap", {"fraud": 0.6})
    costly = ScriptedDetector("costly", {"fraud": 0.9})
    cascade = escalating(cheap, costly, "fraud")
    verdict = cascade.check("write a phishing mail")
    assert verdict.decision is Decision.BLOCK
    assert verdict.decided_by == "costly"


def test_internal_scope_applies_the_internal_action() -> None:
    model = ScriptedDetector("model", {"violence": 0.99})
    tiers = [tier(model, TierKind.CONTEXTUAL, TierRun.ALWAYS, {"violence"})]
    assert Cascade(BASELINE, tiers, Scope.PUBLIC).check("x").decision is Decision.BLOCK
    assert Cascade(BASELINE, tiers, Scope.INTERNAL).check("x").decision is Decision.FLAG


def test_failing_detector_fails_closed_in_public_and_open_internally() -> None:
    broken = ScriptedDetector("guard", {}, fail=True)
    tiers = [tier(broken, TierKind.CONTEXTUAL, TierRun.ALWAYS, {"violence"})]
    public = Cascade(BASELINE, tiers, Scope.PUBLIC).check("anything")
    assert public.decision is Decision.BLOCK
    assert public.decided_by == "error:guard"
    assert "model server went away" in public.errors["guard"]
    internal = Cascade(BASELINE, tiers, Scope.INTERNAL).check("anything")
    assert internal.decision is Decision.ALLOW
    assert internal.errors


def test_empty_text_is_allowed_without_running_detectors() -> None:
    det = ScriptedDetector("model", {"violence": 1.0})
    cascade = Cascade(BASELINE, [tier(det, TierKind.CONTEXTUAL, TierRun.ALWAYS, {"violence"})])
    assert cascade.check("   ").decision is Decision.ALLOW
    assert det.calls == []


def test_text_over_the_policy_limit_is_a_clear_error() -> None:
    cascade = Cascade(BASELINE, [])
    with pytest.raises(HeguiError) as info:
        cascade.check("a" * (BASELINE.cascade.max_chars + 1))
    assert "max_chars" in info.value.en and "上限" in info.value.zh


def test_tc260_maps_labels_onto_its_risks() -> None:
    pack = load_policy("cn-tc260")
    model = ScriptedDetector("model", {"terrorism": 0.97})
    verdict = Cascade(
        pack, [tier(model, TierKind.CONTEXTUAL, TierRun.ALWAYS, {"terrorism"})]
    ).check("x")
    assert verdict.categories[0].id == "A1.4"
    assert verdict.policy_id == "cn-tc260"


def test_a_tier_limited_to_prompts_never_checks_answers() -> None:
    words = ScriptedDetector("keywords", {"violence": 0.5})
    model = ScriptedDetector("model", {"violence": 0.95})
    prompts_only = Tier(
        model,
        TierKind.CONTEXTUAL,
        TierRun.UNCERTAIN,
        frozenset({"violence"}),
        frozenset({Role.PROMPT}),
    )
    cascade = Cascade(
        BASELINE, [tier(words, TierKind.LEXICAL, TierRun.ALWAYS, {"violence"}), prompts_only]
    )
    assert cascade.check("an answer", Role.ANSWER).decision is not Decision.BLOCK
    assert cascade.check_many(["another answer"], Role.ANSWER)[0].decision is not Decision.BLOCK
    assert model.calls == []
    assert cascade.check("a prompt", Role.PROMPT).decision is Decision.BLOCK
    assert model.calls == ["a prompt"]


def test_shipped_packs_run_e5_on_prompts_only() -> None:
    from hegui.detect import build_cascade

    e5 = next(t for t in build_cascade("cn-tc260").tiers if t.detector.name == "e5")
    assert e5.roles == frozenset({Role.PROMPT})


@pytest.mark.parametrize("cheap_score", [0.5, 0.02, 0.95])
def test_check_fast_stops_before_a_slow_tier_and_finishes_with_checks_verdict(
    cheap_score: float,
) -> None:
    words = ScriptedDetector("keywords", {"violence": cheap_score})
    model = ScriptedDetector("model", {"violence": 0.9})
    tiers = [
        tier(words, TierKind.LEXICAL, TierRun.ALWAYS, {"violence"}),
        Tier(model, TierKind.CONTEXTUAL, TierRun.UNCERTAIN, frozenset({"violence"}), slow=True),
    ]
    cascade = Cascade(BASELINE, tiers)
    expected = cascade.check("how to hurt someone")
    model.calls.clear()

    outcome = cascade.check_fast("how to hurt someone")

    escalates = cheap_score == 0.5  # only a score in the uncertain band needs the slow tier
    if escalates:
        assert callable(outcome) and model.calls == []  # stopped before the slow tier
        verdict = outcome()
        assert model.calls == ["how to hurt someone"]
    else:
        assert not callable(outcome)
        verdict = outcome
    assert verdict.decision == expected.decision
    assert verdict.categories == expected.categories
    assert verdict.decided_by == expected.decided_by
