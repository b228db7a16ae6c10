"""The intent rules (the scorer's high-precision tier): the shipped file, and the loader
rejecting a bad file with the rule and the reason."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from companion_support import MonitorFactory

from hegui.companion import Action, RiskScorer, RiskScores
from hegui.companion._intent import IntentRules
from hegui.errors import HeguiError

VALID: dict[str, Any] = {
    "format": "hegui-companion-intent-1",
    "fragments": {"act": "(?:自杀|kill myself)"},
    "unless": [
        {
            "id": "joke",
            "why": "laughter turns it into hyperbole",
            "pattern": "哈哈|lol",
            "examples": ["哈哈"],
        }
    ],
    "rules": [
        {
            "id": "zh.intent",
            "lang": "zh",
            "why": "an intent verb right before the act",
            "pattern": "要{{act}}",
            "examples": ["我今晚要自杀"],
            "counterexamples": ["我要自杀哈哈"],
        },
        {
            "id": "en.intent",
            "lang": "en",
            "why": "going to, right before the act",
            "pattern": "going to {{act}}",
            "examples": ["I'm going to kill myself"],
        },
    ],
}


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "intent.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def test_a_valid_file_matches_and_vetoes(tmp_path: Path) -> None:
    rules = IntentRules(write(tmp_path, VALID))
    assert rules.ids == ("zh.intent", "en.intent")
    assert rules.match("我 今晚 要自殺") == "zh.intent", "folded: spaces, traditional characters"
    assert rules.match("I’M GOING TO KILL MYSELF") == "en.intent", "folded: case, apostrophe"
    assert rules.match("我要自杀哈哈") is None, "a veto anywhere stops every rule"
    assert rules.match("今天好累") is None


def _set(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_set("format", "hegui-companion-intent-0"), "format"),
        (_set("rules.0.colour", "red"), "rules.0.colour: Extra inputs are not permitted"),
        (_set("rules.0.examples", []), "rules.0.examples"),
        (_set("rules.0.lang", "en"), "does not start with its lang"),
        (_set("rules.1", VALID["rules"][0]), "duplicate ids ['zh.intent']"),
        (_set("rules.0.pattern", "要(自杀"), "zh.intent: not a valid regular expression"),
        (_set("rules.0.pattern", "要{{deed}}"), "zh.intent: unknown fragment {{deed}}"),
        (_set("rules.0.examples", ["我今晚要去跑步"]), "zh.intent: does not escalate its example"),
        (_set("rules.0.counterexamples", ["我不要自杀"]), "zh.intent: counterexample '我不要自杀'"),
        (_set("unless.0.examples", ["呵呵"]), "unless joke: does not find its example"),
    ],
)
def test_a_bad_file_is_rejected_naming_the_rule(
    tmp_path: Path, data: dict[str, Any], message: str
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(HeguiError) as err:
        IntentRules(path)
    assert message in err.value.en
    assert err.value.where == str(path) and err.value.zh != err.value.en


def test_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(HeguiError, match="intent rule file not found") as err:
        IntentRules(tmp_path / "none.yaml")
    assert "找不到" in err.value.zh
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: hegui-companion-intent-1\nrules: [\n", "utf-8")
    with pytest.raises(HeguiError, match="not valid YAML") as err:
        IntentRules(broken)
    assert err.value.where is not None and err.value.where.startswith(f"{broken}:")


def test_the_scorer_refuses_a_bad_rule_file(tmp_path: Path) -> None:
    with pytest.raises(HeguiError, match="does not escalate its example"):
        RiskScorer(intent=write(tmp_path, _set("rules.1.examples", ["I'm going to bed"])))


def test_a_rule_escalates_whatever_the_classifier_says() -> None:
    calm = RiskScores(0.01, 0.01, 0.3, 0.01, 0.01, 0.66)
    assert not calm.escalates(0.35)
    assert RiskScores(0.01, 0.01, 0.3, 0.01, 0.01, 0.66, intent_rule="zh.intent").escalates(0.35)
    assert RiskScores(0.5, 0.1, 0.1, 0.1, 0.1, 0.1).escalates(0.35)


def test_the_escalation_event_names_the_rule(make_monitor: MonitorFactory) -> None:
    plan = make_monitor().before_turn("app", "u1", "我已经决定了，今晚就去跳楼")
    assert plan.action is Action.ESCALATE
    (event,) = [e for e in plan.events if e.kind == "escalation"]
    assert event.detail["rule"] == "zh.then-do-it"
