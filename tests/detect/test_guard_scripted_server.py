"""The scripted OpenAI-compatible server the guard tests (and later the gateway's) rely on."""

from __future__ import annotations

import json

import httpx
import pytest

from support.scripted_openai import RecordedRequest, ScriptedOpenAI


def test_answers_chat_and_completions_by_rule_and_records_requests() -> None:
    with ScriptedOpenAI([(r"weather", "sunny"), (r".", "fallback")]) as server:
        chat = httpx.post(
            f"{server.base_url}/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "the weather?"}]},
        ).json()
        text = httpx.post(f"{server.base_url}/completions", json={"model": "m", "prompt": "hi"})
        models = httpx.get(f"{server.base_url}/models").json()

    assert chat["choices"][0]["message"] == {"role": "assistant", "content": "sunny"}
    assert chat["object"] == "chat.completion" and chat["model"] == "m"
    assert text.json()["choices"][0]["text"] == "fallback"
    assert [m["id"] for m in models["data"]] == ["scripted-model"]
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/v1/chat/completions"),
        ("POST", "/v1/completions"),
        ("GET", "/v1/models"),
    ]
    assert server.model_requests[1].prompt_text == "hi"


def test_unmatched_request_is_a_500_unless_a_default_is_given() -> None:
    with ScriptedOpenAI([(r"only this", "x")]) as strict:
        response = httpx.post(f"{strict.base_url}/completions", json={"prompt": "other"})
    assert response.status_code == 500 and "no scripted rule" in response.text
    with ScriptedOpenAI([], default_reply="ok") as lenient:
        response = httpx.post(f"{lenient.base_url}/completions", json={"prompt": "other"})
    assert response.json()["choices"][0]["text"] == "ok"


def test_callable_script_sees_the_whole_request() -> None:
    def script(request: RecordedRequest) -> str:
        return f"{request.body['model']}:{len(request.messages)}"

    with ScriptedOpenAI(script) as server:
        body = {"model": "qwen", "messages": [{"role": "user", "content": "a"}] * 3}
        reply = httpx.post(f"{server.base_url}/chat/completions", json=body).json()
    assert reply["choices"][0]["message"]["content"] == "qwen:3"


@pytest.mark.parametrize("path", ["/chat/completions", "/completions"])
def test_streams_server_sent_events(path: str) -> None:
    reply = "你好，this is streamed."
    with ScriptedOpenAI([(r".", reply)], chunk_size=3) as server:
        body = {
            "model": "m",
            "stream": True,
            "prompt": "p",
            "messages": [{"role": "user", "content": "p"}],
        }
        if path == "/completions":
            del body["messages"]
        else:
            del body["prompt"]
        with httpx.stream("POST", f"{server.base_url}{path}", json=body) as response:
            assert response.headers["content-type"] == "text/event-stream"
            events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]

    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    if path == "/chat/completions":
        assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
        pieces = [c["choices"][0]["delta"].get("content", "") for c in chunks]
    else:
        pieces = [c["choices"][0]["text"] for c in chunks]
    assert "".join(pieces) == reply
    assert len(pieces) > 3
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_failure_status_can_be_switched_between_calls() -> None:
    with ScriptedOpenAI([(r".", "ok")]) as server:
        server.fail_status = 503
        failed = httpx.post(f"{server.base_url}/completions", json={"prompt": "x"})
        server.fail_status = None
        recovered = httpx.post(f"{server.base_url}/completions", json={"prompt": "x"})
    assert failed.status_code == 503
    assert recovered.status_code == 200


def test_url_requires_a_running_server() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = ScriptedOpenAI().base_url
