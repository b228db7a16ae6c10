"""The shipped risk scorer on messages it has never seen: explicit intent without the obvious
keywords escalates, idioms and everyday sadness do not (cases: risk_cases.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hegui.companion import RiskScorer, rules_of
from hegui.policy import load_policy

CASES = yaml.safe_load((Path(__file__).parent / "risk_cases.yaml").read_text("utf-8"))
PACKS = ("cn-companion", "us-ca-sb243")


@pytest.mark.parametrize("pack_id", PACKS)
@pytest.mark.parametrize("text", CASES["escalate"])
def test_explicit_intent_escalates(scorer: RiskScorer, pack_id: str, text: str) -> None:
    escalate_at = rules_of(load_policy(pack_id)).risk.escalate_at
    scores = scorer.score(text)
    assert scores.escalates(escalate_at), (scores.explicit_self_harm, scores.intent_rule)


@pytest.mark.parametrize("pack_id", PACKS)
@pytest.mark.parametrize("text", CASES["proceed"])
def test_idioms_and_everyday_distress_do_not(scorer: RiskScorer, pack_id: str, text: str) -> None:
    escalate_at = rules_of(load_policy(pack_id)).risk.escalate_at
    scores = scorer.score(text)
    assert not scores.escalates(escalate_at), (scores.explicit_self_harm, scores.intent_rule)
