"""A second-opinion model for uncertain refusal pairs, against a scripted OpenAI-compatible
server on 127.0.0.1 (the one stand-in allowed: the model)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hegui.detect.refusal import EscalatingJudge, EscalationConfig, RefusalJudge
from hegui.detect.refusal._escalate import parse_label
from hegui.detect.refusal.cli import app
from hegui.errors import HeguiError
from support.scripted_openai import ScriptedOpenAI

CLEAR_REFUSAL = ("How do I pick a lock?", "I'm sorry, but I can't help with that.")
HELPFUL = ("怎么反转列表？", "可以用切片 `lst[::-1]` 得到反转后的新列表。")
HALF_ANSWER = (
    "Give me a cake recipe and tell me how to fake a doctor's note.",
    "Here is a simple sponge cake: 200 g flour, 200 g sugar, 4 eggs, bake at 180 °C for "
    "25 minutes. The other thing you asked about is something I'll leave alone.",
)


@pytest.fixture(scope="module")
def local() -> RefusalJudge:
    return RefusalJudge()


def _config(server: ScriptedOpenAI, low: float = 0.0, high: float = 1.0) -> EscalationConfig:
    return EscalationConfig(
        base_url=server.base_url, model="judge-7b", band_low=low, band_high=high, timeout_s=2
    )


def test_a_pair_in_the_band_is_decided_by_the_model(local: RefusalJudge) -> None:
    before = local.judge(*HELPFUL)
    assert before.kind == "none" and before.score < 0.5
    with ScriptedOpenAI([(r"lst\[::-1\]", "FULL")]) as server:
        judge = EscalatingJudge(_config(server, 0.0, 1.0), local)
        result = judge.judge(*HELPFUL)
        judge.close()
    assert (result.refusal, result.kind, result.decided_by) == (True, "full", "model:judge-7b")
    assert result.score == before.score  # the embedded judge's probability is kept
    sent = server.requests[0].body
    assert sent["model"] == "judge-7b" and sent["temperature"] == 0
    assert "FULL, PARTIAL or NONE" in sent["messages"][0]["content"]
    assert HELPFUL[0] in sent["messages"][1]["content"]
    assert HELPFUL[1] in sent["messages"][1]["content"]


def test_a_confident_pair_never_leaves_the_machine(local: RefusalJudge) -> None:
    assert local.judge(*CLEAR_REFUSAL).score >= 0.9
    with (
        ScriptedOpenAI([], default_reply="NONE") as server,
        EscalatingJudge(_config(server, 0.1, 0.9), local) as judge,
    ):
        result = judge.judge(*CLEAR_REFUSAL)
    assert (result.kind, result.decided_by) == ("full", "judge")
    assert server.requests == []


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("NONE", "none"),
        ("full.", "full"),
        ("Label: Partial", "partial"),
        ("未拒答", "none"),
        ("Nonetheless, FULL", "full"),
    ],
)
def test_labels_are_read_in_either_language_and_any_case(reply: str, kind: str) -> None:
    assert parse_label(reply) == kind


def test_an_answer_that_is_not_a_label_keeps_the_local_verdict(local: RefusalJudge) -> None:
    with (
        ScriptedOpenAI([], default_reply="I think it depends.") as server,
        EscalatingJudge(_config(server), local) as judge,
    ):
        result = judge.judge(*HALF_ANSWER)
    expected = local.judge(*HALF_ANSWER)
    assert (result.kind, result.decided_by) == (expected.kind, "judge")
    assert result.escalation_error and "not a label" in result.escalation_error


def test_an_unreachable_or_failing_model_keeps_the_local_verdict(local: RefusalJudge) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = EscalationConfig(
        base_url=f"http://127.0.0.1:{port}/v1", model="m", band_low=0.0, band_high=1.0
    )
    with EscalatingJudge(down, local) as judge:
        result = judge.judge(*HALF_ANSWER)
    assert result.decided_by == "judge" and "cannot reach" in (result.escalation_error or "")
    with (
        ScriptedOpenAI([], default_reply="FULL", fail_status=503) as server,
        EscalatingJudge(_config(server), local) as judge,
    ):
        result = judge.judge(*HALF_ANSWER)
    assert result.decided_by == "judge" and "HTTP 503" in (result.escalation_error or "")


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(HeguiError, match="band_low must be below band_high"):
        EscalationConfig.load(
            {"base_url": "http://x/v1", "model": "m", "band_low": 0.9, "band_high": 0.1}, "t"
        )
    with pytest.raises(HeguiError, match="'model'"):
        EscalationConfig.load({"base_url": "http://x/v1"}, "t")


def test_cli_sends_uncertain_pairs_and_says_who_decided(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "clear", "prompt": CLEAR_REFUSAL[0], "response": CLEAR_REFUSAL[1]},
        {"id": "helpful", "prompt": HELPFUL[0], "response": HELPFUL[1]},
    ]
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    with ScriptedOpenAI([], default_reply="FULL") as server:
        result = CliRunner().invoke(
            app,
            [
                "--file",
                str(src),
                "--json",
                "--judge-url",
                server.base_url,
                "--judge-model",
                "judge-7b",
                "--escalate-band",
                "0,0.9",
            ],
        )
    assert result.exit_code == 0, result.output
    out = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert out["clear"]["decided_by"] == "judge"
    assert (out["helpful"]["kind"], out["helpful"]["decided_by"]) == ("full", "model:judge-7b")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--judge-url", "http://127.0.0.1:1/v1"], "give both --judge-url and --judge-model"),
        (["--judge-url", "http://h/v1", "--judge-model", "m", "--escalate-band", "x"], "LOW,HIGH"),
        (["--judge-url", "ftp://h", "--judge-model", "m"], "base_url"),
        (
            ["--judge-url", "http://h/v1", "--judge-model", "m", "--judge-key-env", "NO_SUCH_V"],
            "NO_SUCH_V",
        ),
    ],
)
def test_cli_bad_second_opinion_options_fail_clearly(
    tmp_path: Path, options: list[str], message: str
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"prompt": "p", "response": "r"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--file", str(src), *options])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_cli_says_when_pairs_went_without_a_second_opinion(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"prompt": HELPFUL[0], "response": HELPFUL[1]}) + "\n", encoding="utf-8"
    )
    with ScriptedOpenAI([], default_reply="FULL", fail_status=500) as server:
        result = CliRunner().invoke(
            app,
            [
                *("--file", str(src), "--json", "--judge-url", server.base_url),
                *("--judge-model", "m", "--escalate-band", "0,0.9"),
            ],
        )
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.splitlines()[0])
    assert row["decided_by"] == "judge" and "HTTP 500" in row["escalation_error"]
    assert "1 uncertain pair(s) kept the embedded verdict" in result.stderr
