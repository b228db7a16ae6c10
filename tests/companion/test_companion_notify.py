"""Contact notification through a real webhook on 127.0.0.1: retries, a down webhook, restart."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from companion_support import MonitorFactory

from hegui.companion import Action


class Webhook:
    """A webhook receiver that answers 503 to its first ``failures`` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.headers.append(dict(self.headers))
                if outer.failures > 0:
                    outer.failures -= 1
                    self.send_response(503)
                else:
                    outer.received.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook(failures=2)
    yield hook
    hook.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_case_notification_is_retried_until_delivered(
    make_monitor: MonitorFactory, webhook: Webhook
) -> None:
    monitor = make_monitor(
        webhook_url=webhook.url,
        webhook_headers={"Authorization": "Bearer hook-secret"},
        webhook_backoff_s=0.01,
    )
    plan = monitor.before_turn("app", "u1", "我今晚就要自杀")
    assert plan.action is Action.ESCALATE
    assert monitor.notifier is not None and monitor.notifier.wait_idle()
    case = monitor.cases.get(plan.case_id or 0)
    assert (case.notify_state, case.notify_attempts) == ("sent", 3)
    (payload,) = webhook.received
    assert payload["case_id"] == case.id and payload["user_id"] == "u1"
    assert "自杀" not in json.dumps(payload, ensure_ascii=False), "no message content is sent"
    assert webhook.headers[-1]["Authorization"] == "Bearer hook-secret"


def test_down_webhook_never_loses_the_case(make_monitor: MonitorFactory, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    down = f"http://127.0.0.1:{free_port()}/hook"
    monitor = make_monitor(url=url, webhook_url=down, webhook_attempts=2, webhook_backoff_s=0.01)
    plan = monitor.before_turn("app", "u1", "I'm going to kill myself tonight.")
    assert plan.action is Action.ESCALATE and plan.case_id is not None
    assert monitor.notifier is not None and monitor.notifier.wait_idle()
    case = monitor.cases.get(plan.case_id)
    assert case.state == "open" and case.notify_state == "failed" and case.notify_attempts == 2
    assert case.notify_error and "Connect" in case.notify_error
    assert monitor.before_turn("app", "u1", "hello?").action is Action.HUMAN_TAKEOVER
    # the webhook comes back: failed notifications are sent again
    hook = Webhook()
    try:
        later = make_monitor(url=url, webhook_url=hook.url, webhook_backoff_s=0.01)
        assert later.notifier is not None and later.notifier.retry_failed() == 1
        assert later.notifier.wait_idle()
        assert later.cases.get(plan.case_id).notify_state == "sent"
        assert [p["case_id"] for p in hook.received] == [plan.case_id]
    finally:
        hook.stop()


def test_pending_notifications_resume_after_a_restart(
    make_monitor: MonitorFactory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    hook = Webhook(failures=1000)
    try:
        monitor = make_monitor(url=url, webhook_url=hook.url, webhook_backoff_s=30)
        plan = monitor.before_turn("app", "u1", "I want to end my life, I have the pills ready.")
        assert plan.action is Action.ESCALATE
        monitor.close()  # stops during the backoff: the case stays pending
        assert monitor.cases.get(plan.case_id or 0).notify_state == "pending"
        hook.failures = 0
        restarted = make_monitor(url=url, webhook_url=hook.url, webhook_backoff_s=0.01)
        assert restarted.notifier is not None and restarted.notifier.wait_idle()
        assert restarted.cases.get(plan.case_id or 0).notify_state == "sent"
    finally:
        hook.stop()
