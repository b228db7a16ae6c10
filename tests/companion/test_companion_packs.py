"""The companion packs: rules from the digest, each with its clause; operators' packs checked."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from hegui.companion import RiskScorer, rules_of
from hegui.errors import HeguiError
from hegui.policy import load_policy
from hegui.policy._companion import CompanionRules


def test_cn_companion_encodes_the_anthropomorphic_measures() -> None:
    pack = load_policy("cn-companion")
    rules = rules_of(pack)
    assert pack.extends == ["cn-tc260"] and len(pack.risks) == 31
    assert rules.pause_reminder is not None and rules.pause_reminder.after_minutes == 120
    assert rules.identity_notice.on_first_use and rules.identity_notice.on_relogin
    assert rules.identity_notice.on_dependence and rules.crisis.notify_contact
    assert "退出" in rules.exit.keywords["zh"] and rules.default_lang == "zh"


def test_sb243_encodes_the_three_hour_minor_reminder_and_report() -> None:
    rules = rules_of(load_policy("us-ca-sb243"))
    assert rules.minors.break_every_minutes == 180
    assert {"sexual", "sexual_minors"} <= set(rules.minors.blocked_risks)
    assert rules.report is not None and rules.report.first_due == "2027-07-01"
    assert any(r.contact == "988" for r in rules.crisis.resources)


@pytest.mark.parametrize("pack_id", ["cn-companion", "us-ca-sb243"])
def test_every_rule_group_names_its_clause(pack_id: str) -> None:
    rules = rules_of(load_policy(pack_id))
    for name in CompanionRules.model_fields:
        group = getattr(rules, name)
        if hasattr(group, "clause"):
            assert len(group.clause) > 20, f"{pack_id}: companion.{name} has no clause"


def test_bad_operator_pack_names_the_field(tmp_path: Path) -> None:
    pack = tmp_path / "mine.yaml"
    text = (resources.files("hegui.policy") / "packs" / "us-ca-sb243.yaml").read_text("utf-8")
    pack.write_text(
        text.replace("id: us-ca-sb243", "id: mine").replace(
            "break_every_minutes: 180", "break_every_minutes: -3"
        ),
        "utf-8",
    )
    with pytest.raises(HeguiError) as err:
        load_policy(pack)
    assert "companion.minors.break_every_minutes" in err.value.en and str(pack) in str(err.value)
    pack.write_text(
        text.replace("id: us-ca-sb243", "id: mine").replace(
            "blocked_risks: [sexual, sexual_minors]", "blocked_risks: [nope]"
        ),
        "utf-8",
    )
    with pytest.raises(HeguiError, match="unknown risks"):
        rules_of(load_policy(pack))


def test_missing_weight_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HeguiError, match="risk weight file not found"):
        RiskScorer(tmp_path / "none.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(HeguiError, match="not a companion risk weight file"):
        RiskScorer(bad)
