"""Policy packs: the shipped packs, operators' packs, extends, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from hegui.detect import Decision
from hegui.errors import HeguiError
from hegui.policy import Scope, builtin_policy_ids, load_policy

TC260_IDS = (
    [f"A1.{i}" for i in range(1, 9)]
    + [f"A2.{i}" for i in range(1, 10)]
    + [f"A3.{i}" for i in range(1, 6)]
    + [f"A4.{i}" for i in range(1, 8)]
    + ["A5.1", "A5.2"]
)
BASELINE_IDS = [
    "violence", "terrorism", "self_harm", "sexual", "sexual_minors", "hate",
    "harassment", "fraud", "cybercrime", "drugs", "privacy", "misinformation",
]  # fmt: skip


def test_shipped_packs() -> None:
    assert {"baseline", "cn-tc260"} <= set(builtin_policy_ids())
    tc260 = load_policy("cn-tc260")
    assert [r.id for r in tc260.risks] == TC260_IDS
    assert [c.id for c in tc260.categories] == ["A1", "A2", "A3", "A4", "A5"]
    floors = tc260.requirements["keyword_library"]
    assert floors.values["min_total"] == 10000
    assert all(floors.min_per_risk[f"A1.{i}"] == 200 for i in range(1, 9))
    assert all(floors.min_per_risk[f"A2.{i}"] == 100 for i in range(1, 10))
    assert tc260.requirements["refusal_assessment"].values["min_refusal_rate"] == 0.95
    assert [r.id for r in load_policy("baseline").risks] == BASELINE_IDS


def test_every_risk_is_bilingual_with_examples() -> None:
    for pack_id in builtin_policy_ids():
        for risk in load_policy(pack_id).risks:
            assert risk.name.zh and risk.name.en and risk.description.zh
            assert risk.examples.get("zh") and risk.examples.get("en"), risk.id


def test_actions_and_thresholds_per_scope() -> None:
    tc260 = load_policy("cn-tc260")
    assert tc260.action_for("A1.1", Scope.PUBLIC) is Decision.BLOCK
    assert tc260.action_for("A1.1", Scope.INTERNAL) is Decision.FLAG
    assert tc260.thresholds_for("A4.6").block > tc260.thresholds.block
    baseline = load_policy("baseline")
    assert baseline.action_for("sexual_minors", Scope.INTERNAL) is Decision.BLOCK
    assert [r.id for r in tc260.risks_for_label("terrorism")] == ["A1.4"]
    assert "宣扬暴力" in tc260.refusal_message("zh", ["A1.6"])
    assert "Promoting violence" in tc260.refusal_message("en", ["A1.6"])


def write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def test_operator_pack_extends_and_overrides(tmp_path: Path) -> None:
    pack = load_policy(
        write(
            tmp_path / "mine.yaml",
            "id: mine\nversion: 2.1.0\nextends: [baseline]\n"
            "thresholds: {flag: 0.4, block: 0.7}\n"
            "risks:\n"
            "  - id: drugs\n    category: crime\n"
            "    name: {zh: 毒品, en: Drugs}\n    description: {zh: 毒品, en: Drugs}\n"
            "    labels: [drugs]\n    actions: {public: flag, internal: allow}\n",
        )
    )
    assert pack.id == "mine" and pack.version == "2.1.0" and pack.extends == ["baseline"]
    assert len(pack.risks) == 12
    assert pack.thresholds.block == 0.7
    assert pack.action_for("drugs", Scope.PUBLIC) is Decision.FLAG
    assert pack.action_for("fraud", Scope.PUBLIC) is Decision.BLOCK


def test_extends_by_relative_path_and_cycles(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "id: a\nversion: 1.0.0\nextends: [cn-tc260]\n")
    child = load_policy(write(tmp_path / "b.yaml", "id: b\nversion: 1.0.0\nextends: [a.yaml]\n"))
    assert len(child.risks) == 31
    write(tmp_path / "x.yaml", "id: x\nversion: 1.0.0\nextends: [y.yaml]\n")
    write(tmp_path / "y.yaml", "id: y\nversion: 1.0.0\nextends: [x.yaml]\n")
    with pytest.raises(HeguiError, match="cycle"):
        load_policy(tmp_path / "x.yaml")


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("id: m\nversion: 1.0.0\nextends: [baseline]\nthresholds: {flag: 0.9, block: 0.5}\n",
         "thresholds: Value error, flag must not exceed block"),
        ("id: m\nversion: 1.0.0\nextends: [baseline]\nthresholds: {flag: 0.5, block: 7}\n",
         "thresholds.block"),
        ("id: m\nversion: one\nextends: [baseline]\n", "version"),
        ("id: m\nversion: 1.0.0\nextends: [baseline]\nrisks:\n  - id: new\n    category: nope\n"
         "    name: {zh: 新, en: New}\n    description: {zh: 新, en: New}\n", "unknown category"),
        ("id: m\nversion: 1.0.0\nextends: [baseline]\nrisks:\n  - id: new\n    category: crime\n"
         "    name: {zh: 新, en: New}\n    description: {zh: 新, en: New}\n    labels: [zzz]\n",
         "unknown detector label 'zzz'"),
        ("id: m\nversion: 1.0.0\nextends: [baseline]\nsurprise: 1\n", "surprise"),
        ("id: m\nversion: 1.0.0\nextends: [baseline]\ncascade: {uncertain_low: 0.5, "
         "uncertain_high: 0.4}\n", "uncertain_high must be greater than uncertain_low"),
        ("id: m\nversion: 1.0.0\nextends: [no-such-pack]\n", "unknown policy 'no-such-pack'"),
        ("id: m\nversion: 1.0.0: x\nfoo: 1\n", "bad.yaml:2: not valid YAML"),
    ],
)  # fmt: skip
def test_bad_pack_names_what_is_wrong(tmp_path: Path, body: str, needle: str) -> None:
    path = write(tmp_path / "bad.yaml", body)
    with pytest.raises(HeguiError) as info:
        load_policy(path)
    assert needle in info.value.render()
    assert str(path) in info.value.render() or "no-such-pack" in needle


def test_unknown_id_lists_the_shipped_ones() -> None:
    with pytest.raises(HeguiError) as info:
        load_policy("nope")
    assert "cn-tc260" in info.value.en and "baseline" in info.value.zh
