"""Assessment runs against scripted models of known behaviour, and the faults a run must survive."""

from __future__ import annotations

import itertools
import json
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from assess_support import MINI, behaviour, kinds_by_prompt, language
from typer.testing import CliRunner

from hegui.assess import BankKind, Endpoint, RunOptions, run_assessment
from hegui.cli import app
from hegui.detect.refusal import RefusalJudge
from hegui.detect.refusal._escalate import in_band
from support.scripted_openai import RecordedRequest, ScriptedOpenAI

runner = CliRunner()
Server = Callable[..., ScriptedOpenAI]


def _options(server: ScriptedOpenAI, out: Path, **kw: object) -> RunOptions:
    return RunOptions(
        target=Endpoint(server.base_url, "scripted-model", None),
        out=out,
        suite=str(kw.pop("suite", MINI)),
        concurrency=4,
        **kw,  # type: ignore[arg-type]
    )


def _assess(server: ScriptedOpenAI, out: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        [
            "assess",
            "--base-url",
            server.base_url,
            "--model",
            "scripted-model",
            "--suite",
            str(MINI),
            "--out",
            str(out),
            "--concurrency",
            "4",
            *extra,
        ],
    )
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize(
    ("model", "qualified", "refusal", "over_refusal", "passed"),
    [
        ("refuse_all", 1.0, 1.0, 1.0, False),
        ("answer_all", 1.0, 0.0, 0.0, False),
        ("exact", 1.0, 1.0, 0.0, True),
        ("unsafe_generated", 0.0, 1.0, 0.0, False),
    ],
)
def test_metrics_match_the_known_behaviour(
    scripted_openai: Server,
    tmp_path: Path,
    model: str,
    qualified: float,
    refusal: float,
    over_refusal: float,
    passed: bool,
) -> None:
    server = scripted_openai(behaviour(model))
    outcome = run_assessment(_options(server, tmp_path / "run"))
    assert outcome.results is not None and outcome.unanswered == 0
    metrics = outcome.results.metrics
    for name, expected in [
        ("qualified_rate", qualified),
        ("refusal_rate", refusal),
        ("over_refusal_rate", over_refusal),
    ]:
        m = metrics[name]
        assert m.value == expected, name
        assert m.ci_low <= expected <= m.ci_high
        assert m.n == {"qualified_rate": 8, "refusal_rate": 6, "over_refusal_rate": 6}[name]
    assert outcome.results.passed is passed
    written = json.loads((tmp_path / "run" / "results.json").read_text("utf-8"))
    assert set(written["metrics"]["refusal_rate"]) >= {
        "value",
        "n",
        "ci_low",
        "ci_high",
        "threshold",
        "pass",
    }
    assert written["passed"] is passed
    assert set(written["per_risk"]) == {"A1.6", "A1.8", "A2.5"}
    assert set(written["per_language"]) == {"zh", "en"}
    assert list((tmp_path / "run" / "logs").glob("*.eval")), "inspect-ai logs for inspect view"


def test_cli_summary_and_fail_on_breach(scripted_openai: Server, tmp_path: Path) -> None:
    server = scripted_openai(behaviour("answer_all"))
    code, out = _assess(server, tmp_path / "a")
    assert code == 0
    assert "FAILED / 未通过" in out and "refusal_rate" in out
    code, out = _assess(server, tmp_path / "a", "--fail-on-breach")
    assert code == 1
    assert "resuming / 续跑: 20 of 20 items already answered" in out


def test_sample_is_reproducible_with_the_seed(scripted_openai: Server, tmp_path: Path) -> None:
    server = scripted_openai(behaviour("exact"))
    picks = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        outcome = run_assessment(_options(server, tmp_path / name, sample=3, seed=seed))
        assert outcome.results is not None
        assert outcome.results.metrics["qualified_rate"].n == 3
        assert outcome.results.metrics["qualified_rate"].passed is False  # below min_n
        picks.append((tmp_path / name / "sample.jsonl").read_text("utf-8"))
    assert picks[0] == picks[1] != picks[2]


def test_an_interrupted_run_resumes_without_asking_again(
    scripted_openai: Server, tmp_path: Path
) -> None:
    answers = behaviour("exact")
    flaky = scripted_openai(lambda r: answers(r) if r.prompt_text not in _NRF else None)
    outcome = run_assessment(_options(flaky, tmp_path / "run", retries=0))
    assert outcome.results is None
    assert outcome.unanswered == 6 and outcome.asked == 14
    assert any("500" in e for e in outcome.errors), outcome.errors
    assert not (tmp_path / "run" / "results.json").exists()
    stored = (tmp_path / "run" / "answers.jsonl").read_text("utf-8").splitlines()
    assert len(stored) == 14

    asked_before = len(flaky.model_requests)
    flaky.script = answers  # the endpoint recovers
    outcome = run_assessment(_options(flaky, tmp_path / "run"))
    assert outcome.results is not None
    assert outcome.asked == 6 and outcome.reused == 14
    assert len(flaky.model_requests) - asked_before == 6


_NRF = {
    json.loads(line)["prompt"]
    for line in (MINI / "should_not_refuse.jsonl").read_text("utf-8").splitlines()
}


def test_cli_reports_an_incomplete_run_and_keeps_answers(
    scripted_openai: Server, tmp_path: Path
) -> None:
    answers = behaviour("exact")
    server = scripted_openai(lambda r: answers(r) if r.prompt_text not in _NRF else None)
    code, out = _assess(server, tmp_path / "run", "--retries", "0")
    assert code == 3
    assert "incomplete / 未完成: 6 items have no answer" in out
    assert "run the same command again to resume" in out
    assert "Traceback" not in out


def test_a_folder_from_a_different_run_is_refused(scripted_openai: Server, tmp_path: Path) -> None:
    server = scripted_openai(behaviour("exact"))
    assert run_assessment(_options(server, tmp_path / "run")).results is not None
    result = runner.invoke(
        app,
        [
            "assess",
            "--base-url",
            server.base_url,
            "--model",
            "other-model",
            "--suite",
            str(MINI),
            "--out",
            str(tmp_path / "run"),
        ],
    )
    out = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "output folder holds a different run (model: scripted-model ≠ other-model)" in out
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine", "utf-8")
    code, out = _assess(server, tmp_path / "notes")
    assert code == 2 and "holds no hegui run" in out


def test_an_endpoint_that_is_down_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = runner.invoke(
        app,
        [
            "assess",
            "--base-url",
            f"http://127.0.0.1:{port}/v1",
            "--model",
            "m",
            "--suite",
            str(MINI),
            "--out",
            str(tmp_path / "run"),
        ],
    )
    out = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "cannot reach the endpoint" in out and "无法连接到端点" in out


def test_rate_limits_are_retried(scripted_openai: Server, tmp_path: Path) -> None:
    server = scripted_openai(behaviour("exact"), fail_status=429, fail_times=2)
    outcome = run_assessment(_options(server, tmp_path / "run", sample=2))
    assert outcome.results is not None and outcome.unanswered == 0
    assert len(server.model_requests) == 6 + 2


def test_malformed_and_slow_answers_leave_items_to_resume(
    scripted_openai: Server, tmp_path: Path
) -> None:
    server = scripted_openai(behaviour("exact"), malformed_times=2)
    outcome = run_assessment(_options(server, tmp_path / "run", sample=2, retries=0))
    assert outcome.unanswered == 2 and outcome.asked == 4
    server.delay_s = 3
    outcome = run_assessment(_options(server, tmp_path / "run", sample=2, retries=0, timeout_s=1))
    assert outcome.unanswered == 2 and outcome.reused == 4
    server.delay_s = 0
    outcome = run_assessment(_options(server, tmp_path / "run", sample=2))
    assert outcome.results is not None and outcome.asked == 2 and outcome.reused == 4


def test_an_llm_judge_can_call_answers_unsafe(scripted_openai: Server, tmp_path: Path) -> None:
    target = scripted_openai(behaviour("exact"))
    judge = scripted_openai(default_reply="UNSAFE")
    options = _options(target, tmp_path / "run", sample=2)
    options = RunOptions(
        **{**options.__dict__, "llm_judge": Endpoint(judge.base_url, "judge", None)}
    )
    outcome = run_assessment(options)
    assert outcome.results is not None
    assert outcome.results.metrics["qualified_rate"].value == 0.0
    assert outcome.results.metrics["refusal_rate"].value == 1.0  # only generated answers
    # Asked once per generated answer (2 of the 6); a should-(not-)refuse answer reaches it only
    # as a second opinion when the refusal judge is unsure, which a one-line scripted answer
    # may leave it.
    risk_calls = [r for r in judge.model_requests if "Risk / 风险: " in r.prompt_text]
    assert len(risk_calls) == 2
    assert all("Risk / 风险: A" in r.prompt_text for r in risk_calls)
    assert outcome.results.run.llm_judge == f"judge@{judge.base_url}"


# Dodging answers to a should-refuse prompt (refusals a judge may miss): every opening joined
# with every follow-up question, so that retrained weights still leave some inside the band.
DODGE_OPENINGS = {
    "en": [
        "That is a topic many people wonder about.",
        "It depends.",
        "It depends on the situation.",
        "That varies a lot.",
        "There is no single answer to that.",
        "Good question.",
        "Hard to say.",
        "That is a broad question.",
        "That is a big topic.",
    ],
    "zh": [
        "这个问题不太好一概而论。",
        "这事说来话长。",
        "看情况吧。",
        "这个问题比较复杂，要看具体情况。",
        "不好一概而论。",
        "这个要分情况。",
        "每个人的情况不一样。",
    ],
}
DODGE_QUESTIONS = {
    "en": [
        "Which part interests you?",
        "What do you want to know about it?",
        "Which part are you curious about?",
        "What exactly would you like to know?",
        "Could you narrow it down?",
        "Can you tell me more about what you need?",
        "What is the context?",
    ],
    "zh": [
        "你具体想了解哪方面？",
        "你最想知道哪一块？",
        "你想了解它的哪些方面？",
        "你关心的是哪一部分？",
        "你最关心的是哪一点？",
    ],
}


def unsure_misses(judge: RefusalJudge) -> dict[str, str]:
    """Per language, the first dodging answer the embedded judge calls no refusal while unsure
    (score inside the second-opinion band, below its threshold): retrained weights move the
    scores, so the test picks one rather than pinning a text."""
    picked = {}
    for lang, openings in DODGE_OPENINGS.items():
        joiner = " " if lang == "en" else ""
        texts = [o + joiner + q for o, q in itertools.product(openings, DODGE_QUESTIONS[lang])]
        scores = {text: judge.judge("q", text).score for text in texts}
        unsure = [t for t, s in scores.items() if in_band(s) and s < judge.model.threshold]
        assert unsure, f"no {lang} dodging answer is an unsure miss any more: {scores}"
        picked[lang] = unsure[0]
    return picked


def test_an_llm_judge_decides_refusals_the_refusal_judge_is_unsure_of(
    scripted_openai: Server, tmp_path: Path
) -> None:
    kinds = kinds_by_prompt()
    exact = behaviour("exact")

    def target(request: RecordedRequest) -> str:
        if kinds[request.prompt_text] is BankKind.SHOULD_REFUSE:
            return unsure[language(request.prompt_text)]
        return exact(request)

    unsure = unsure_misses(RefusalJudge())
    alone = run_assessment(_options(scripted_openai(target), tmp_path / "alone", sample=2))
    assert alone.results is not None
    assert alone.results.metrics["refusal_rate"].value < 1.0  # the embedded judge alone errs

    judge = scripted_openai([(r"Reply / 回复:", "FULL")], default_reply="SAFE")
    options = _options(scripted_openai(target), tmp_path / "judged", sample=2)
    options = RunOptions(
        **{**options.__dict__, "llm_judge": Endpoint(judge.base_url, "judge", None)}
    )
    outcome = run_assessment(options)
    assert outcome.results is not None
    assert outcome.results.metrics["refusal_rate"].value == 1.0
    assert outcome.results.metrics["over_refusal_rate"].value == 0.0
    rows = [
        json.loads(line)
        for line in (tmp_path / "judged" / "judgments.jsonl").read_text("utf-8").splitlines()
    ]
    decided = {r["kind"]: r["refusal_decided_by"] for r in rows if r["kind"] != "generated"}
    assert decided == {"should_refuse": "model:judge", "should_not_refuse": "judge"}
    asked = [r for r in judge.model_requests if "Reply / 回复:" in r.prompt_text]
    assert len(asked) == sum(r["kind"] == "should_refuse" for r in rows)
    assert "FULL, PARTIAL or NONE" in asked[0].messages[0]["content"]
