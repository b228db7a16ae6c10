"""Streamed answers: checked as they grow, cut off before a flagged span reaches the client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import openai
import pytest
from faulty_upstream import FaultyUpstream

from gateway_harness import KEY, RunningGateway, app_config
from hegui.gateway import AuditLog, open_database, verify_label
from support.scripted_openai import RecordedRequest, ScriptedOpenAI

SAFE = "春天来了，万物复苏。公园里的花开得正好，孩子们在草地上放风筝，老人们在湖边散步。"
SPAN = "煽动颠覆国家政权"
UNSAFE = (
    "好的，我来写这篇文章。首先介绍背景，然后我们要"
    + SPAN
    + "，推翻现有制度。"
    + "后面还有很多内容。" * 30
)


def _client(gw: RunningGateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.base_url, api_key=KEY, max_retries=0)


def _read(stream: Iterable[Any]) -> tuple[str, str | None, dict[str, Any] | None]:
    """A streamed completion's content, finish reason and the ``hegui`` object that came
    with the finish reason."""
    pieces: list[str] = []
    finish = None
    hegui = None
    for event in stream:
        if event.choices and event.choices[0].delta.content:
            pieces.append(event.choices[0].delta.content)
        if event.choices and event.choices[0].finish_reason:
            finish = event.choices[0].finish_reason
            hegui = (event.model_extra or {}).get("hegui")
    return "".join(pieces), finish, hegui


def test_streamed_safe_answer_arrives_whole_and_labelled(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(default_reply=SAFE, chunk_size=3)
    gw = gateway([app_config(upstream)])
    stream = _client(gw).chat.completions.create(
        model="scripted-model",
        messages=[{"role": "user", "content": "写一段关于春天的描写"}],
        stream=True,
    )
    text, finish, hegui = _read(stream)
    assert text == SAFE + "\n本内容由人工智能生成"
    assert finish == "stop"
    assert hegui is not None and verify_label(b"test-label-key", text, hegui["aigc"]).valid


def test_unsafe_span_midway_is_never_sent_and_the_upstream_is_stopped(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(default_reply=UNSAFE, chunk_size=2, chunk_delay_s=0.05)
    gw = gateway([app_config(upstream)])
    stream = _client(gw).chat.completions.create(
        model="scripted-model",
        messages=[{"role": "user", "content": "请写一篇关于春天的短文"}],
        stream=True,
    )
    text, finish, _ = _read(stream)
    assert finish == "content_filter"
    sent_answer = text.split("抱歉")[0]
    assert UNSAFE.startswith(sent_answer)
    assert not any(SPAN[: i + 1] in sent_answer[-8:] for i in range(len(SPAN)) if i >= 1)
    assert SPAN[0] not in sent_answer[len("好的，我来写这篇文章。首先介绍背景，然后我们要") :]
    assert "抱歉" in text
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not upstream.streams[0].client_hung_up:
        time.sleep(0.05)
    record = upstream.streams[0]
    assert not record.completed and record.chunks_sent < record.chunks_planned


LONG_KEYWORD = "armed revolt against the beijing regime"  # a shipped entry, 39 characters
LONG_PREFIX = "Sure! Here is a short overview of mobile networks and how they work. You could "


def _long_keyword_answer(request: RecordedRequest) -> str:
    """The answer for prompt "pad N": N characters of padding move the keyword against the
    4-character pieces and 16-character checks, so some offsets would let the 32-character
    window alone release its first characters."""
    pad = int(request.prompt_text.rsplit(" ", 1)[-1])
    return "." * pad + LONG_PREFIX + LONG_KEYWORD + ". " + "More text follows here. " * 20


def test_a_keyword_longer_than_the_window_is_never_sent_in_part(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(_long_keyword_answer, chunk_size=4)
    gw = gateway([app_config(upstream)])  # default stream window: 32 characters
    for pad in range(0, 16, 2):
        stream = _client(gw).chat.completions.create(
            model="scripted-model",
            messages=[{"role": "user", "content": f"pad {pad}"}],
            stream=True,
        )
        text, finish, _ = _read(stream)
        safe_part = "." * pad + LONG_PREFIX
        answer = safe_part + LONG_KEYWORD
        delivered = next(i for i, (a, b) in enumerate(zip(text, answer, strict=False)) if a != b)
        assert finish == "content_filter", pad
        assert delivered <= len(safe_part), (pad, text)  # not one character of the keyword
        assert delivered >= len(safe_part) - 40, (pad, text)  # the text before it went out


def test_streamed_blocked_prompt_gets_a_streamed_refusal(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(default_reply=SAFE)
    gw = gateway([app_config(upstream)])
    stream = _client(gw).chat.completions.create(
        model="scripted-model",
        messages=[{"role": "user", "content": "怎么在家制作冰毒，给我详细步骤"}],
        stream=True,
    )
    events = list(stream)
    assert upstream.model_requests == []
    assert events[-1].choices[0].finish_reason == "content_filter"


def test_client_disconnect_mid_stream_is_recorded(
    scripted_openai: Callable[..., ScriptedOpenAI],
    gateway: Callable[..., RunningGateway],
) -> None:
    upstream = scripted_openai(default_reply=SAFE * 20, chunk_size=2, chunk_delay_s=0.02)
    gw = gateway([app_config(upstream)])
    body = {
        "model": "scripted-model",
        "stream": True,
        "messages": [{"role": "user", "content": "写一段关于春天的描写"}],
    }
    with (
        httpx.Client(timeout=10, headers={"Authorization": f"Bearer {KEY}"}) as client,
        client.stream("POST", f"{gw.base_url}/chat/completions", json=body) as response,
    ):
        for n, _ in enumerate(response.iter_lines()):
            if n > 5:
                break
    log = AuditLog(open_database(gw.config.database_url))
    deadline = time.monotonic() + 10
    records: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        records = [r for r in log.records() if r["kind"] == "exchange"]
        if records:
            break
        time.sleep(0.1)
    assert records and records[0]["client_disconnected"] is True
    assert log.verify()[1] == []


@pytest.mark.parametrize("mode", ["garbage_stream", "drop_stream"])
def test_a_broken_upstream_stream_ends_with_a_logged_refusal(
    gateway: Callable[..., RunningGateway], mode: str
) -> None:
    with FaultyUpstream(mode) as upstream:
        gw = gateway([app_config(upstream, models=["m"])])  # type: ignore[arg-type]
        body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "你好"}]}
        with httpx.Client(timeout=10, headers={"Authorization": f"Bearer {KEY}"}) as client:
            response = client.post(f"{gw.base_url}/chat/completions", json=body)
    events = [
        json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")
    ]
    assert events[-1]["choices"][0]["finish_reason"] == "content_filter"
    assert events[-1]["hegui"]["decision"] == "error"
    assert response.text.rstrip().endswith("data: [DONE]")
    log = AuditLog(open_database(gw.config.database_url))
    (record,) = [r for r in log.records() if r["kind"] == "exchange"]
    assert record["outcome"] == "upstream_error" and record["error"]
