"""Companion mode: the gateway runs the companion safeguards on every turn of every user."""

from __future__ import annotations

import os
from collections.abc import Callable

import httpx

from gateway_harness import RunningGateway, app_config
from hegui.gateway import AuditLog, open_database
from support.scripted_openai import ScriptedOpenAI

TOKEN = "admin-token-for-tests-0123456789"
CRISIS = "我真的不想活了，安眠药已经攒够了，今晚就吃下去"


def _say(gw: RunningGateway, user: str | None, text: str, **extra: object) -> httpx.Response:
    body: dict[str, object] = {
        "model": "scripted-model",
        "messages": [{"role": "user", "content": text}],
        **extra,
    }
    if user is not None:
        body["user"] = user
    with gw.client() as client:
        return client.post("/chat/completions", json=body)


def test_companion_turns_notices_escalation_and_release(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    os.environ["HEGUI_ADMIN_TOKEN"] = TOKEN
    upstream = scripted_openai(default_reply="今天天气不错，我们聊聊你喜欢的书吧。")
    gw = gateway([app_config(upstream, policy="cn-companion", companion=True)])

    assert _say(gw, None, "你好").json()["error"]["code"] == "missing_user"

    first = _say(gw, "lin", "你好呀").json()
    assert first["hegui"]["companion"]["action"] == "proceed"
    assert next(n["kind"] for n in first["hegui"]["companion"]["notices"]) == "identity"
    content = first["choices"][0]["message"]["content"]
    assert "今天天气不错" in content and content.endswith("本内容由人工智能生成")
    assert content.index("今天天气不错") > 0  # the identity notice comes first

    calls = len(upstream.model_requests)
    crisis = _say(gw, "lin", CRISIS).json()
    assert crisis["hegui"]["companion"]["action"] == "escalate"
    case_id = crisis["hegui"]["companion"]["case_id"]
    assert case_id is not None
    assert len(upstream.model_requests) == calls  # the model never saw the crisis turn
    assert crisis["choices"][0]["message"]["content"]

    held = _say(gw, "lin", "你还在吗").json()
    assert held["hegui"]["companion"]["action"] == "human_takeover"
    assert len(upstream.model_requests) == calls

    with httpx.Client(base_url=f"{gw.url}/admin/companion", timeout=30) as admin:
        assert admin.get("/cases").status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        cases = admin.get("/cases", params={"open": "true"}, headers=auth).json()
        assert [c["id"] for c in cases] == [case_id]
        assert admin.post(f"/cases/{case_id}/ack", headers=auth).status_code == 200
        done = admin.post(f"/cases/{case_id}/resolve", json={"note": "已联系家属"}, headers=auth)
        assert done.status_code == 200

    after = _say(gw, "lin", "谢谢你们").json()
    assert after["hegui"]["companion"]["action"] == "proceed"
    assert len(upstream.model_requests) == calls + 1

    bye = _say(gw, "lin", "退出").json()
    assert bye["hegui"]["companion"]["action"] == "exit"

    records = list(AuditLog(open_database(gw.config.database_url)).records())
    outcomes = [r["outcome"] for r in records if r["kind"] == "exchange"]
    assert "companion_escalate" in outcomes and "companion_human_takeover" in outcomes
    assert "companion_exit" in outcomes


def test_companion_mode_needs_a_companion_pack(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    import pytest

    from hegui.errors import HeguiError

    with pytest.raises(HeguiError, match="companion"):
        gateway([app_config(scripted_openai(default_reply="x"), companion=True)])
