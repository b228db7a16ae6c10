"""The admin API mounted in a small FastAPI app, served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from companion_support import MonitorFactory
from fastapi import FastAPI

from hegui.companion import Action, CompanionMonitor, admin_router
from hegui.errors import HeguiError

TOKEN = "s3cret-admin-token-for-tests"


@pytest.fixture
def served(make_monitor: MonitorFactory) -> Iterator[tuple[CompanionMonitor, httpx.Client]]:
    monitor = make_monitor("us-ca-sb243")
    app = FastAPI()
    app.include_router(admin_router(monitor, TOKEN), prefix="/admin/companion")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    base = f"http://127.0.0.1:{port}/admin/companion"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield monitor, client
    server.should_exit = True
    thread.join(timeout=5)


def test_reviewer_works_a_case_over_http(
    served: tuple[CompanionMonitor, httpx.Client],
) -> None:
    monitor, client = served
    plan = monitor.before_turn("app", "u1", "I'm going to kill myself tonight.")
    assert plan.action is Action.ESCALATE
    listed = client.get("/cases", params={"open": "true"}).json()
    assert [c["id"] for c in listed] == [plan.case_id] and listed[0]["state"] == "open"
    acked = client.post(f"/cases/{plan.case_id}/ack")
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    again = client.post(f"/cases/{plan.case_id}/ack")
    assert again.status_code == 409 and "open" in again.json()["detail"]["error"]["en"]
    resolved = client.post(f"/cases/{plan.case_id}/resolve", json={"note": "spoke with user"})
    assert resolved.json()["state"] == "resolved" and resolved.json()["note"] == "spoke with user"
    assert client.get("/cases", params={"open": "true"}).json() == []
    assert client.post("/cases/999/ack").status_code == 404
    assert client.post(f"/cases/{plan.case_id}/resolve", json={}).status_code == 422
    report = client.get("/report", params={"app": "app", "year": 2026}).json()
    assert report["crisis_referrals"] == 1 and report["cases_resolved"] == 1


def test_profile_minor_mode_and_deletion_over_http(
    served: tuple[CompanionMonitor, httpx.Client],
) -> None:
    monitor, client = served
    monitor.before_turn("app", "kid", "hi there", minor=True)
    profile = client.get("/users/app/kid/profile").json()
    assert profile["minor"] is True and profile["days"][0]["turns"] == 1
    assert client.put("/users/app/kid/minor", json={"minor": False}).json()["minor"] is False
    assert client.delete("/users/app/kid/history").json() == {"deleted_turns": 1}
    missing = client.get("/users/app/nobody/profile")
    assert missing.status_code == 404 and missing.json()["detail"]["error"]["zh"]


def test_every_route_needs_the_token(served: tuple[CompanionMonitor, httpx.Client]) -> None:
    _, client = served
    url = str(client.base_url.join("cases"))
    for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token"}):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401
        assert response.json()["detail"]["error"]["en"] == "missing or wrong bearer token"
    assert httpx.delete(str(client.base_url.join("users/app/u1/history"))).status_code == 401


def test_short_token_is_refused(make_monitor: MonitorFactory) -> None:
    with pytest.raises(HeguiError, match="at least 16"):
        admin_router(make_monitor(), "short")
