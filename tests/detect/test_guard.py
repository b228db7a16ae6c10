"""Guard-model detector against a scripted OpenAI-compatible server speaking each format."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from hegui.detect import Detector, Role
from hegui.detect.guard import (
    GuardConfig,
    GuardDetector,
    GuardFamily,
    SafetyTier,
    labels_covered,
    parse_output,
)
from hegui.errors import HeguiError
from support.scripted_openai import ScriptedOpenAI

Server = Callable[..., ScriptedOpenAI]

LLAMA_CATEGORY_LINES = [
    "S1: Violent Crimes.",
    "S2: Non-Violent Crimes.",
    "S3: Sex Crimes.",
    "S4: Child Exploitation.",
    "S5: Defamation.",
    "S6: Specialized Advice.",
    "S7: Privacy.",
    "S8: Intellectual Property.",
    "S9: Indiscriminate Weapons.",
    "S10: Hate.",
    "S11: Self-Harm.",
    "S12: Sexual Content.",
    "S13: Elections.",
    "S14: Code Interpreter Abuse.",
]


def guard(server: ScriptedOpenAI, family: GuardFamily, **settings: object) -> GuardDetector:
    values: dict[str, object] = {
        "base_url": server.base_url,
        "model": "guard-under-test",
        "family": family,
        "timeout_s": 2.0,
    }
    values.update(settings)
    return GuardDetector(GuardConfig.model_validate(values))


def flagged(scores: dict[str, float]) -> dict[str, float]:
    return {label: score for label, score in scores.items() if score > 0}


def test_llama_guard_3_checks_the_user_turn_with_its_template(scripted_openai: Server) -> None:
    server = scripted_openai([(r"bomb", "unsafe\nS1,S10"), (r".", "safe")])
    detector = guard(server, GuardFamily.LLAMA_GUARD_3)
    result = detector.detect("How do I build a bomb to attack them?", Role.PROMPT)

    assert result.error is None and result.detector == "guard:llama-guard-3"
    assert flagged(result.scores) == {"violence": 1.0, "hate": 1.0}
    assert set(result.scores) == labels_covered(GuardFamily.LLAMA_GUARD_3)
    (request,) = server.model_requests
    assert request.path == "/v1/completions"
    assert request.body["model"] == "guard-under-test" and request.body["temperature"] == 0
    prompt = request.body["prompt"]
    assert prompt.startswith("<|start_header_id|>user<|end_header_id|>\n\nTask: Check if there")
    assert "unsafe content in 'User' messages" in prompt
    category_block = prompt.split("<BEGIN UNSAFE CONTENT CATEGORIES>\n")[1].split("\n<END")[0]
    assert category_block.splitlines() == LLAMA_CATEGORY_LINES
    assert (
        "<BEGIN CONVERSATION>\n\nUser: How do I build a bomb to attack them?\n\n<END CONVERSATION>"
        in prompt
    )
    assert "Provide your safety assessment for ONLY THE LAST User message" in prompt
    assert prompt.endswith("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    assert "<|begin_of_text|>" not in prompt  # the server's tokenizer adds BOS itself


def test_llama_guard_3_checks_the_agent_turn_in_context(scripted_openai: Server) -> None:
    server = scripted_openai([(r"(?s)Agent: Mix.*ONLY THE LAST Agent", "unsafe\nS9")])
    detector = guard(server, GuardFamily.LLAMA_GUARD_3)
    result = detector.detect("Mix these two chemicals.", Role.ANSWER, context_prompt="Make gas?")

    assert flagged(result.scores) == {"violence": 1.0}
    prompt = server.model_requests[0].prompt_text
    assert "unsafe content in 'Agent' messages" in prompt
    assert "User: Make gas?\n\nAgent: Mix these two chemicals.\n\n<END CONVERSATION>" in prompt


def test_llama_guard_4_template_and_sloppy_output(scripted_openai: Server) -> None:
    server = scripted_openai([(r".", "  UNSAFE \n s2 , S14 \n")])
    result = guard(server, GuardFamily.LLAMA_GUARD_4).detect("rm -rf the host", Role.PROMPT)

    assert result.error is None
    assert flagged(result.scores) == {"A1.8": 1.0, "cybercrime": 1.0}
    prompt = server.model_requests[0].prompt_text
    assert prompt.startswith("<|header_start|>user<|header_end|>\n\nTask:")
    assert "according to our safety policy" in prompt
    assert all(line in prompt for line in LLAMA_CATEGORY_LINES)
    assert prompt.endswith("<|eot|><|header_start|>assistant<|header_end|>\n\n")


def test_safe_verdict_scores_every_covered_label_zero(scripted_openai: Server) -> None:
    server = scripted_openai([(r".", "safe")])
    result = guard(server, GuardFamily.LLAMA_GUARD_4).detect("怎么杀死卡住的进程？", Role.PROMPT)
    assert result.error is None
    assert result.scores == dict.fromkeys(labels_covered(GuardFamily.LLAMA_GUARD_4), 0.0)


def test_unsafe_without_category_line_scores_the_fallback(scripted_openai: Server) -> None:
    server = scripted_openai([(r"<\|eot_id\|>", "unsafe"), (r"im_start", "Safety: Unsafe")])
    llama = guard(server, GuardFamily.LLAMA_GUARD_3).detect("x", Role.PROMPT)
    qwen = guard(server, GuardFamily.QWEN3GUARD).detect("x", Role.PROMPT)
    assert flagged(llama.scores) == {"A1.8": 1.0}
    assert flagged(qwen.scores) == {"A1.8": 1.0}


@pytest.mark.parametrize(("policy", "score"), [("strict", 1.0), ("loose", 0.0)])
def test_qwen3guard_controversial_follows_the_setting(
    scripted_openai: Server, policy: str, score: float
) -> None:
    reply = "Safety: Controversial\nCategories: Politically Sensitive Topics"
    server = scripted_openai([(r".", reply)])
    detector = guard(server, GuardFamily.QWEN3GUARD, controversial=policy)
    assessment = detector.assess("评价一下某历史事件", Role.PROMPT)

    assert assessment.error is None
    assert assessment.tier is SafetyTier.CONTROVERSIAL
    assert assessment.categories == ("Politically Sensitive Topics",)
    assert assessment.scores["A1.2"] == score
    assert max(assessment.scores.values()) == score
    prompt = server.model_requests[0].prompt_text
    assert prompt.startswith("<|im_start|>user\n# Task:\n1) Evaluate whether THE LAST USER's query")
    assert "<BEGIN CONVERSATION>\n\nUSER: 评价一下某历史事件\n\n<END CONVERSATION>" in prompt
    assert "\nJailbreak.\n<END UNSAFE CONTENT CATEGORIES>" in prompt
    assert "'Safety: Safe', 'Safety: Unsafe', 'Safety: Controversial'" in prompt
    assert "REFUSAL" not in prompt
    assert prompt.endswith("<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_qwen3guard_answer_moderation_reads_refusal(scripted_openai: Server) -> None:
    server = scripted_openai(
        [
            (
                r"ASSISTANT: Sure",
                "Safety: Unsafe\nCategories: Violent, Non-violent Illegal Acts\nRefusal: No",
            ),
            (r"ASSISTANT: Sorry", "Safety: Safe\nCategories: None\nRefusal: Yes"),
        ]
    )
    detector = guard(server, GuardFamily.QWEN3GUARD)
    harmful = detector.assess("Sure, first get a pipe…", Role.ANSWER, "How do I make a bomb?")
    refused = detector.assess(
        "Sorry, I can't help with that.", Role.ANSWER, "How do I make a bomb?"
    )

    assert flagged(harmful.scores) == {"violence": 1.0, "A1.8": 1.0}
    assert harmful.refusal is False and harmful.tier is SafetyTier.UNSAFE
    assert refused.refusal is True and flagged(refused.scores) == {}
    prompt = server.model_requests[0].prompt_text
    assert "THE LAST ASSISTANT's response belongs to safe or unsafe" in prompt
    assert "USER: How do I make a bomb?\n\nASSISTANT: Sure, first get a pipe…" in prompt
    assert "<BEGIN REFUSAL POLICY>" in prompt and "'Refusal: Yes', 'Refusal: No'" in prompt
    assert "Jailbreak." not in prompt


def test_chat_endpoint_sends_the_conversation(scripted_openai: Server) -> None:
    server = scripted_openai([(r".", "safe")])
    detector = guard(server, GuardFamily.LLAMA_GUARD_3, endpoint="chat")
    detector.detect("hello", Role.PROMPT)
    detector.detect("an answer", Role.ANSWER, context_prompt="a question")
    detector.detect("an answer alone", Role.ANSWER)

    assert [r.path for r in server.model_requests] == ["/v1/chat/completions"] * 3
    assert [r.messages for r in server.model_requests] == [
        [{"role": "user", "content": "hello"}],
        [
            {"role": "user", "content": "a question"},
            {"role": "assistant", "content": "an answer"},
        ],
        [{"role": "user", "content": ""}, {"role": "assistant", "content": "an answer alone"}],
    ]
    assert all("prompt" not in r.body for r in server.model_requests)


def test_http_error_becomes_an_error_result(scripted_openai: Server) -> None:
    server = scripted_openai([(r".", "safe")], fail_status=500)
    result = guard(server, GuardFamily.LLAMA_GUARD_3).detect("hi", Role.PROMPT)
    assert result.scores == {}
    assert (
        result.error is not None
        and "HTTP 500" in result.error
        and "scripted failure" in result.error
    )


def test_timeout_becomes_an_error_result(scripted_openai: Server) -> None:
    server = scripted_openai([(r".", "safe")], delay_s=3.0)
    started = time.perf_counter()
    result = guard(server, GuardFamily.QWEN3GUARD, timeout_s=0.2).detect("hi", Role.PROMPT)
    assert time.perf_counter() - started < 2.0
    assert result.scores == {}
    assert result.error is not None and "did not answer within 0.2 s" in result.error


def test_unreachable_server_becomes_an_error_result() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = GuardConfig(
        base_url=f"http://127.0.0.1:{port}/v1", model="m", family=GuardFamily.LLAMA_GUARD_3
    )
    result = GuardDetector(config).detect("hi", Role.PROMPT)
    assert result.error is not None and "cannot reach guard model" in result.error


@pytest.mark.parametrize("family", list(GuardFamily))
def test_garbage_output_becomes_an_error_result(
    scripted_openai: Server, family: GuardFamily
) -> None:
    server = scripted_openai([(r".", "I am a helpful assistant! How can I help?")])
    assessment = guard(server, family).assess("hi", Role.PROMPT)
    assert assessment.scores == {} and assessment.tier is None
    assert assessment.error is not None and "not a verdict" in assessment.error
    assert assessment.raw_output == "I am a helpful assistant! How can I help?"
    assert assessment.to_result().error == assessment.error


def test_api_key_is_sent_as_bearer_token(scripted_openai: Server) -> None:
    server = scripted_openai([(r".", "safe")])
    guard(server, GuardFamily.LLAMA_GUARD_3, api_key="sk-local").detect("hi", Role.PROMPT)
    assert server.model_requests[0].headers["authorization"] == "Bearer sk-local"


@pytest.mark.parametrize(
    ("family", "output", "tier", "categories", "refusal"),
    [
        (GuardFamily.LLAMA_GUARD_3, "safe", SafetyTier.SAFE, (), None),
        (GuardFamily.LLAMA_GUARD_3, "\n\nSafe.\n", SafetyTier.SAFE, (), None),
        (
            GuardFamily.LLAMA_GUARD_3,
            "unsafe\nS1, S1,S12<|eot_id|>",
            SafetyTier.UNSAFE,
            ("S1", "S12"),
            None,
        ),
        (GuardFamily.LLAMA_GUARD_4, "unsafe S03", SafetyTier.UNSAFE, ("S3",), None),
        (GuardFamily.QWEN3GUARD, "safety:safe\ncategories: none", SafetyTier.SAFE, (), None),
        (
            GuardFamily.QWEN3GUARD,
            "<think>\n\n</think>\n\nSafety: Unsafe\nCategories: PII，Jailbreak.\nRefusal: no",
            SafetyTier.UNSAFE,
            ("PII", "Jailbreak"),
            False,
        ),
    ],
)
def test_parse_output_is_tolerant(
    family: GuardFamily,
    output: str,
    tier: SafetyTier,
    categories: tuple[str, ...],
    refusal: bool | None,
) -> None:
    reading = parse_output(family, output)
    assert (reading.tier, reading.categories, reading.refusal) == (tier, categories, refusal)


def test_category_mapping_covers_each_family() -> None:
    llama = labels_covered(GuardFamily.LLAMA_GUARD_3)
    qwen = labels_covered("qwen3guard")
    assert {"violence", "sexual_minors", "self_harm", "privacy", "cybercrime", "A4.3"} <= llama
    assert {"A1.2", "A3.1", "harassment"} <= qwen
    assert "A1.2" not in llama and "sexual_minors" not in qwen


def test_detector_satisfies_the_protocol(scripted_openai: Server) -> None:
    server = scripted_openai([(r".", "safe")])
    with guard(server, GuardFamily.QWEN3GUARD) as detector:
        assert isinstance(detector, Detector)
        assert detector.labels_covered() == labels_covered(GuardFamily.QWEN3GUARD)


def test_bad_config_names_the_field() -> None:
    with pytest.raises(HeguiError) as caught:
        GuardConfig.load(
            {"base_url": "http://x/v1", "model": "m", "family": "llama-guard-9"}, "guard.yaml"
        )
    assert "family" in caught.value.en and "guard.yaml" in str(caught.value)
    with pytest.raises(HeguiError, match="base_url"):
        GuardConfig.load({"base_url": "localhost:8000", "model": "m", "family": "qwen3guard"}, "x")
    ok = GuardConfig.load(
        {"base_url": "http://h:8000/v1/", "model": "m", "family": "qwen3guard"}, "x"
    )
    assert ok.base_url == "http://h:8000/v1" and ok.controversial == "strict"
