"""The refusal judge: kinds on hand-written bilingual cases, and its result contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hegui.detect.refusal import RefusalJudge, RefusalResult
from hegui.errors import HeguiError

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "refusal_cases.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def judge() -> RefusalJudge:
    return RefusalJudge()


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['kind']}" for i, c in enumerate(CASES)])
def test_kind_matches_label(judge: RefusalJudge, case: dict[str, str]) -> None:
    result = judge.judge(case["prompt"], case["response"])
    assert result.kind == case["kind"], (case["response"], result)


@pytest.mark.parametrize("case", CASES[:12])
def test_result_is_consistent(judge: RefusalJudge, case: dict[str, str]) -> None:
    result = judge.judge(case["prompt"], case["response"])
    assert isinstance(result, RefusalResult)
    assert 0.0 <= result.score <= 1.0
    assert result.refusal == (result.kind != "none")
    assert result.refusal == (result.score >= judge.model.threshold)


def test_empty_answer_is_full_refusal(judge: RefusalJudge) -> None:
    assert judge.judge("Hello?", " \n ") == RefusalResult(True, "full", 1.0)


def test_cases_cover_both_languages_and_kinds() -> None:
    has_cjk = [any("\u4e00" <= ch <= "\u9fff" for ch in c["prompt"]) for c in CASES]
    assert sum(has_cjk) >= 20 and len(CASES) - sum(has_cjk) >= 20
    assert {c["kind"] for c in CASES} == {"full", "partial", "none"}


def test_weights_that_do_not_match_the_cues_are_rejected(tmp_path: Path) -> None:
    cues = tmp_path / "cues.yaml"
    cues.write_text('groups:\n  decline:\n    en: ["i can\'t"]\n    zh: ["我不能"]\n', "utf-8")
    with pytest.raises(HeguiError, match="do not match"):
        RefusalJudge(cues=cues)


def test_bad_cue_file_names_the_field(tmp_path: Path) -> None:
    cues = tmp_path / "cues.yaml"
    cues.write_text('groups:\n  decline:\n    en: []\n    zh: ["我不能"]\n', "utf-8")
    with pytest.raises(HeguiError) as info:
        RefusalJudge(cues=cues)
    assert info.value.where is not None and "groups.decline.en" in info.value.where
