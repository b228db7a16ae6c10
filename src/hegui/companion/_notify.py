"""Guardian / emergency-contact notification: a JSON POST per opened case, retried.

The case row is committed before the notifier sees it (``notify_state = pending``); a
background thread delivers it with exponential backoff and records every attempt on the case.
After the last attempt the case is marked ``failed`` and stays in the queue for reviewers;
pending cases left by a stopped process are picked up when the next notifier starts, and
:meth:`WebhookNotifier.retry_failed` queues failed ones again. The payload carries no message
content: the case number, app, user, time, language, minors mode and pack.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import httpx
from sqlalchemy import select, update

from hegui.companion import _store as db
from hegui.companion._store import CompanionStore

log = logging.getLogger("hegui.companion")

_STOP = -1


class WebhookNotifier:
    """Delivers case notifications to ``url`` from a daemon thread; thread-safe."""

    def __init__(
        self,
        store: CompanionStore,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        attempts: int = 5,
        backoff_s: float = 2.0,
        timeout_s: float = 5.0,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.store, self.url = store, url
        self.attempts, self.backoff_s = attempts, backoff_s
        self._client = httpx.Client(timeout=timeout_s, headers=headers or {})
        self._queue: queue.Queue[int] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="hegui-companion-notify", daemon=True
        )
        self._thread.start()
        with store.transaction() as conn:
            pending = conn.execute(
                select(db.cases.c.id).where(db.cases.c.notify_state == "pending")
            ).scalars()
            for case_id in pending:
                self._queue.put(case_id)

    def enqueue(self, case_id: int) -> None:
        """Deliver the notification of ``case_id`` (already committed as pending)."""
        self._queue.put(case_id)

    def retry_failed(self) -> int:
        """Queue every case whose notification failed again; returns how many."""
        with self.store.transaction() as conn:
            ids = list(
                conn.execute(
                    select(db.cases.c.id).where(db.cases.c.notify_state == "failed")
                ).scalars()
            )
            if ids:
                conn.execute(
                    update(db.cases).where(db.cases.c.id.in_(ids)).values(notify_state="pending")
                )
        for case_id in ids:
            self._queue.put(case_id)
        return len(ids)

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Wait until every queued notification is delivered or failed; ``False`` on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        """Stop the thread; undelivered notifications stay pending in the database."""
        self._stopping.set()
        self._queue.put(_STOP)
        self._thread.join(timeout=10)
        self._client.close()

    def _run(self) -> None:
        while True:
            case_id = self._queue.get()
            try:
                if case_id == _STOP:
                    return
                self._deliver(case_id)
            except Exception:  # the thread must survive anything one case throws
                log.exception("companion: notifying case %s failed", case_id)
            finally:
                self._queue.task_done()

    def _deliver(self, case_id: int) -> None:
        with self.store.transaction() as conn:
            case = conn.execute(select(db.cases).where(db.cases.c.id == case_id)).first()
        if case is None or case.notify_state != "pending":
            return
        payload = {
            "event": "companion.case_opened",
            "case_id": case.id,
            "app": case.app,
            "user_id": case.user_id,
            "opened_at": case.opened_at,
            "lang": case.lang,
            "minor": case.minor,
            "policy": case.policy,
            "reason": "explicit_self_harm",
        }
        attempts = int(case.notify_attempts)
        for attempt in range(self.attempts):
            if self._stopping.is_set():
                return
            error: str | None = None
            try:
                response = self._client.post(self.url, json=payload)
                if response.is_success:
                    self._record(case_id, attempts + attempt + 1, "sent", None)
                    return
                error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            last = attempt + 1 == self.attempts
            self._record(case_id, attempts + attempt + 1, "failed" if last else "pending", error)
            if not last:
                self._stopping.wait(self.backoff_s * 2**attempt)

    def _record(self, case_id: int, attempts: int, state: str, error: str | None) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                update(db.cases)
                .where(db.cases.c.id == case_id)
                .values(notify_state=state, notify_attempts=attempts, notify_error=error)
            )
