"""The reviewers' admin API: a FastAPI router the gateway mounts, behind a bearer token.

Routes (relative to where it is mounted)::

    GET    /cases?open=true&app=A          list cases, newest first
    GET    /cases/{id}                     one case
    POST   /cases/{id}/ack                 open → acknowledged
    POST   /cases/{id}/resolve  {"note"}   → resolved; the user goes back to the model
    GET    /users/{app}/{user}/profile     risk and dependence profile
    DELETE /users/{app}/{user}/history     the user's deletion request
    PUT    /users/{app}/{user}/minor {"minor": bool}   minors mode on / off (appeal)
    GET    /report?app=A&year=Y            the annual crisis-referral report

Errors are JSON ``{"error": {"en", "zh", "where"}}`` with 401 (token), 404 (unknown case or
user) or 409 (a case in the wrong state). Handlers are plain functions: FastAPI runs them in
its thread pool, so the blocking database calls never stall the event loop.
"""

# No ``from __future__ import annotations``: FastAPI reads these signatures at runtime.
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from hegui.companion._monitor import CompanionMonitor
from hegui.companion._types import Case, CrisisReport, UserProfile
from hegui.errors import HeguiError


class ResolveRequest(BaseModel):
    """Body of a resolution."""

    note: str = Field(min_length=1)
    """What the reviewer did."""


class MinorRequest(BaseModel):
    """Body of a minors-mode change."""

    minor: bool
    """On (suspected or known minor) or off (appeal upheld)."""


class Deleted(BaseModel):
    """Result of a deletion request."""

    deleted_turns: int
    """Messages deleted."""


_bearer = HTTPBearer(auto_error=False)


def _error(status: int, err: HeguiError) -> HTTPException:
    return HTTPException(status, {"error": {"en": err.en, "zh": err.zh, "where": err.where}})


def admin_router(monitor: CompanionMonitor, token: str) -> APIRouter:
    """Routes over ``monitor``'s cases and users; every request needs ``Bearer <token>``."""
    if len(token) < 16:
        raise HeguiError(
            "the admin token must be at least 16 characters",
            "管理令牌至少需要 16 个字符",
            "token",
        )

    def authorised(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        if credentials is None or not secrets.compare_digest(
            credentials.credentials.encode(), token.encode()
        ):
            raise HTTPException(
                401,
                {
                    "error": {
                        "en": "missing or wrong bearer token",
                        "zh": "缺少或错误的访问令牌",
                        "where": "Authorization",
                    }
                },
                headers={"WWW-Authenticate": "Bearer"},
            )

    router = APIRouter(dependencies=[Depends(authorised)], tags=["companion"])

    @router.get("/cases")
    def list_cases(
        open_only: Annotated[bool, Query(alias="open")] = False, app: str | None = None
    ) -> list[Case]:
        return monitor.cases.find(open_only, app)

    @router.get("/cases/{case_id}")
    def get_case(case_id: int) -> Case:
        try:
            return monitor.cases.get(case_id)
        except HeguiError as err:
            raise _error(404, err) from None

    @router.post("/cases/{case_id}/ack")
    def acknowledge(case_id: int) -> Case:
        get_case(case_id)
        try:
            return monitor.cases.acknowledge(case_id)
        except HeguiError as err:
            raise _error(409, err) from None

    @router.post("/cases/{case_id}/resolve")
    def resolve(case_id: int, body: ResolveRequest) -> Case:
        get_case(case_id)
        try:
            return monitor.cases.resolve(case_id, body.note)
        except HeguiError as err:
            raise _error(409, err) from None

    @router.get("/users/{app}/{user_id}/profile")
    def profile(app: str, user_id: str) -> UserProfile:
        try:
            return monitor.profile(app, user_id)
        except HeguiError as err:
            raise _error(404, err) from None

    @router.delete("/users/{app}/{user_id}/history")
    def delete_history(app: str, user_id: str) -> Deleted:
        try:
            return Deleted(deleted_turns=monitor.users.delete_history(app, user_id))
        except HeguiError as err:
            raise _error(404, err) from None

    @router.put("/users/{app}/{user_id}/minor")
    def set_minor(app: str, user_id: str, body: MinorRequest) -> UserProfile:
        try:
            monitor.users.set_minor(app, user_id, body.minor)
            return monitor.profile(app, user_id)
        except HeguiError as err:
            raise _error(404, err) from None

    @router.get("/report")
    def report(app: str, year: Annotated[int, Query(ge=2000, le=9999)]) -> CrisisReport:
        return monitor.report(app, year)

    return router
