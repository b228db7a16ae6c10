"""Complaints (Interim Measures Art. 15): filed over the API, answered within the pack's limit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from hegui.errors import HeguiError
from hegui.gateway._store import complaints


@dataclass(frozen=True)
class Complaint:
    """One complaint and where it stands."""

    id: str
    app: str
    created: str
    deadline: str
    content_id: str | None
    request_id: str | None
    reason: str
    contact: str | None
    status: str
    resolved_at: str | None
    note: str | None

    @property
    def overdue(self) -> bool:
        """Open past its deadline."""
        return self.status == "open" and datetime.now(UTC).isoformat() > self.deadline

    def as_dict(self) -> dict[str, Any]:
        """The complaint as the API and the CLI's JSON show it."""
        return {**self.__dict__, "overdue": self.overdue}


class ComplaintDesk:
    """Files, lists and resolves complaints."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def file(
        self,
        app: str,
        reason: str,
        deadline_days: int,
        content_id: str | None = None,
        request_id: str | None = None,
        contact: str | None = None,
    ) -> Complaint:
        """Record a new complaint with its deadline; returns it."""
        now = datetime.now(UTC)
        row: dict[str, Any] = {
            "id": uuid.uuid4().hex[:16],
            "app": app,
            "created": now.isoformat(timespec="seconds"),
            "deadline": (now + timedelta(days=deadline_days)).isoformat(timespec="seconds"),
            "content_id": content_id,
            "request_id": request_id,
            "reason": reason,
            "contact": contact,
            "status": "open",
            "resolved_at": None,
            "note": None,
        }
        with self.engine.begin() as conn:
            conn.execute(complaints.insert().values(**row))
        return Complaint(**row)

    def get(self, complaint_id: str, app: str | None = None) -> Complaint | None:
        """The complaint, or None (also when it belongs to another app)."""
        query = select(complaints).where(complaints.c.id == complaint_id)
        if app is not None:
            query = query.where(complaints.c.app == app)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return Complaint(**row._mapping) if row else None

    def list(self, overdue_only: bool = False, open_only: bool = False) -> list[Complaint]:
        """Complaints, oldest first."""
        query = select(complaints).order_by(complaints.c.created)
        if open_only or overdue_only:
            query = query.where(complaints.c.status == "open")
        with self.engine.connect() as conn:
            found = [Complaint(**row._mapping) for row in conn.execute(query)]
        return [c for c in found if c.overdue] if overdue_only else found

    def resolve(self, complaint_id: str, note: str) -> Complaint:
        """Close a complaint with the answer given; an unknown or closed id is an error."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(complaints)
                .where(complaints.c.id == complaint_id, complaints.c.status == "open")
                .values(
                    status="resolved",
                    resolved_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    note=note,
                )
            ).rowcount
        if not done:
            raise HeguiError(
                f"no open complaint with id {complaint_id!r}",
                f"没有编号为 {complaint_id!r} 的未处理投诉",
            )
        found = self.get(complaint_id)
        assert found is not None
        return found
