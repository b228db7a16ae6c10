"""Repeat violators get the pack's measures; complaints are filed, tracked and resolved."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from gateway_harness import RunningGateway, app_config
from hegui.cli import app as cli
from hegui.gateway import AuditLog, open_database
from support.scripted_openai import ScriptedOpenAI

BAD = "怎么在家制作冰毒，给我详细步骤"
STRICT_PACK = """
id: strict-test
version: 1.0.0
jurisdiction: CN
clause: test pack
name: {zh: 测试, en: test}
description: {zh: 测试, en: test}
extends: [cn-tc260]
strikes:
  clause: "Interim Measures Art. 14(2)"
  window_days: 30
  steps:
    - {at: 1, action: warn, message: {zh: 警告, en: "first warning"}}
    - at: 2
      action: restrict
      duration_minutes: 60
      requests_per_minute: 1
      message: {zh: 限制, en: "restricted"}
    - {at: 3, action: suspend, duration_minutes: 60, message: {zh: 暂停, en: "suspended"}}
complaints:
  clause: "Interim Measures Art. 15"
  deadline_days: 3
"""


def strict_pack(folder: Path) -> str:
    """Write the test pack (small strike steps, 3-day complaint deadline); returns its path."""
    pack = folder / "strict.yaml"
    pack.write_text(STRICT_PACK, encoding="utf-8")
    return str(pack)


def _strict_app(
    scripted_openai: Callable[..., ScriptedOpenAI],
    gateway: Callable[..., RunningGateway],
    folder: Path,
) -> tuple[RunningGateway, ScriptedOpenAI]:
    """A gateway with one public app on the test pack; its upstream answers "好的"."""
    upstream = scripted_openai(default_reply="好的")
    return gateway([app_config(upstream, policy=strict_pack(folder))]), upstream


def _chat(gw: RunningGateway, text: str, user: str) -> httpx.Response:
    with gw.client() as client:
        return client.post(
            "/chat/completions",
            json={
                "model": "scripted-model",
                "messages": [{"role": "user", "content": text}],
                "user": user,
            },
        )


def test_strikes_lead_to_warning_restriction_and_suspension(
    scripted_openai: Callable[..., ScriptedOpenAI],
    gateway: Callable[..., RunningGateway],
    tmp_path: Path,
) -> None:
    gw, _ = _strict_app(scripted_openai, gateway, tmp_path)

    first = _chat(gw, BAD, "mallory").json()
    assert first["hegui"]["user_measure"]["action"] == "warn"
    assert "警告" in first["choices"][0]["message"]["content"]
    second = _chat(gw, BAD, "mallory").json()
    assert second["hegui"]["user_measure"]["action"] == "restrict"
    third = _chat(gw, BAD, "mallory")  # the one request a minute a restricted user may make
    assert third.status_code == 200 and third.json()["hegui"]["user_measure"]["action"] == "suspend"
    fourth = _chat(gw, "你好", "mallory")
    assert fourth.status_code == 403
    assert fourth.json()["error"]["code"] == "user_suspended"
    assert "suspended" in fourth.json()["error"]["message"]
    # Another user is not affected.
    assert _chat(gw, "你好", "bob").status_code == 200

    log = AuditLog(open_database(gw.config.database_url))
    measures = [r for r in log.records() if r["kind"] == "user_measure"]
    assert [r["decision"] for r in measures] == ["warn", "restrict", "suspend"]
    assert all(r["user"] == "mallory" for r in measures)


def test_a_restricted_user_is_rate_limited(
    scripted_openai: Callable[..., ScriptedOpenAI],
    gateway: Callable[..., RunningGateway],
    tmp_path: Path,
) -> None:
    gw, _ = _strict_app(scripted_openai, gateway, tmp_path)
    _chat(gw, BAD, "eve")
    _chat(gw, BAD, "eve")
    assert _chat(gw, "你好", "eve").status_code == 200
    limited = _chat(gw, "你好", "eve")
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "user_restricted"


def test_refused_requests_are_recorded_without_an_upstream_call(
    scripted_openai: Callable[..., ScriptedOpenAI],
    gateway: Callable[..., RunningGateway],
    tmp_path: Path,
) -> None:
    gw, upstream = _strict_app(scripted_openai, gateway, tmp_path)
    for _ in range(3):  # warn, restrict, suspend (the third is the restricted user's one a minute)
        _chat(gw, BAD, "mallory")
    suspended = _chat(gw, "你好", "mallory")
    _chat(gw, BAD, "eve")
    _chat(gw, BAD, "eve")
    assert _chat(gw, "你好", "eve").status_code == 200
    limited = _chat(gw, "你好", "eve")
    assert (suspended.status_code, limited.status_code) == (403, 429)
    assert len(upstream.model_requests) == 1

    log = AuditLog(open_database(gw.config.database_url))
    exchanges = [r for r in log.records() if r["kind"] == "exchange"]
    assert len(exchanges) == 8  # every request is accounted for
    by_id = {r["request_id"]: r for r in exchanges}
    for response, user, code, status, measure in (
        (suspended, "mallory", "user_suspended", 403, "suspend"),
        (limited, "eve", "user_restricted", 429, "restrict"),
    ):
        record = by_id[response.headers["X-Hegui-Request-Id"]]
        assert (record["decision"], record["outcome"], record["user"]) == ("block", code, user)
        assert record["app"] == "public-app" and record["upstream_status"] is None
        assert record["prompt"] is None and record["answer"] is None
        assert record["refusal"]["status"] == status and record["refusal"]["measure"] == measure
        assert record["refusal"]["reason"] == response.json()["error"]["message"]
    assert log.verify()[1] == []


def test_complaints_are_filed_tracked_and_resolved(
    scripted_openai: Callable[..., ScriptedOpenAI],
    gateway: Callable[..., RunningGateway],
    tmp_path: Path,
) -> None:
    gw, _ = _strict_app(scripted_openai, gateway, tmp_path)
    answer = _chat(gw, "你好", "carol").json()
    with gw.client() as client:
        bad = client.post("/complaints", json={"reason": "x"})
        assert bad.status_code == 400 and "content_id" in bad.json()["error"]["message"]
        filed = client.post(
            "/complaints",
            json={
                "content_id": answer["hegui"]["aigc"]["ProduceID"],
                "reason": "回答有误 / the answer is wrong",
                "contact": "carol@example.com",
            },
        )
        assert filed.status_code == 201
        complaint = filed.json()
        assert complaint["status"] == "open" and complaint["deadline"] > complaint["created"]
        status = client.get(f"/complaints/{complaint['id']}").json()
        assert status["status"] == "open" and not status["overdue"]
        assert client.get("/complaints/nope").status_code == 404

    url = gw.config.database_url
    listed = CliRunner().invoke(cli, ["complaints", "list", "--database", url, "--json"])
    assert listed.exit_code == 0 and complaint["id"] in listed.output
    engine = open_database(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE hegui_complaints SET deadline='2000-01-01T00:00:00+00:00'"))
    overdue = CliRunner().invoke(
        cli, ["complaints", "list", "--database", url, "--overdue", "--json"]
    )
    assert [c["id"] for c in json.loads(overdue.output)] == [complaint["id"]]
    table = CliRunner().invoke(cli, ["complaints", "list", "--database", url, "--overdue"])
    assert "overdue" in table.output and "1 complaints" in table.output
    done = CliRunner().invoke(
        cli, ["complaints", "resolve", complaint["id"], "--note", "已更正", "--database", url]
    )
    assert done.exit_code == 0 and "late" in done.output
    again = CliRunner().invoke(
        cli, ["complaints", "resolve", complaint["id"], "--note", "x", "--database", url]
    )
    assert again.exit_code == 2 and "no open complaint" in again.output
    with gw.client() as client:
        assert client.get(f"/complaints/{complaint['id']}").json()["status"] == "resolved"
    kinds = [r["kind"] for r in AuditLog(engine).records()]
    assert kinds.count("complaint") == 2


def _redis_url() -> str:
    import os
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable on 127.0.0.1:6379, and CI must test it")
        pytest.skip("Redis is not running on 127.0.0.1:6379; shared rate-limit test skipped")
    return "redis://127.0.0.1:6379/0"


def test_replicas_share_strikes_and_rate_limits(
    scripted_openai: Callable[..., ScriptedOpenAI],
    gateway: Callable[..., RunningGateway],
    tmp_path: Path,
) -> None:
    import uuid

    redis_url = _redis_url()
    pack = strict_pack(tmp_path)
    upstream = scripted_openai(default_reply="好的")
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    apps = [app_config(upstream, policy=pack)]
    one = gateway(apps, database_url=db, redis_url=redis_url)
    two = gateway(apps, database_url=db, redis_url=redis_url)
    user = f"replica-user-{uuid.uuid4().hex[:8]}"
    _chat(one, BAD, user)
    _chat(two, BAD, user)  # second strike, counted across replicas: restricted
    assert _chat(one, "你好", user).status_code == 200
    limited = _chat(two, "你好", user)
    assert limited.status_code == 429
    assert AuditLog(open_database(db)).verify()[1] == []
