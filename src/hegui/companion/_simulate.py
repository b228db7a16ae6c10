"""Replaying a timed conversation script through the monitor, to prove when reminders fire.

A script is JSONL (one message per line) or a YAML list of messages::

    {"at": "2026-07-20T20:00:00+08:00", "user": "u1", "text": "你好", "minor": true}

``at`` needs a time zone; ``app`` (default ``simulated``), ``minor`` and ``exit`` (the app's
exit button) are optional. The replay runs against an in-memory database, so nothing is kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hegui.companion._monitor import CompanionMonitor
from hegui.companion._risk import RiskScorer
from hegui.companion._store import CompanionStore
from hegui.companion._types import TurnPlan
from hegui.errors import HeguiError
from hegui.policy._schema import PolicyPack


class ScriptMessage(BaseModel):
    """One message of a conversation script."""

    model_config = ConfigDict(extra="forbid")

    at: datetime
    """When the user sent it (ISO 8601 with a time zone)."""
    user: str = Field(min_length=1)
    """The user."""
    text: str = ""
    """The message (may be empty with ``exit``)."""
    app: str = "simulated"
    """The app."""
    minor: bool | None = None
    """The app knows or suspects the user is a minor."""
    exit: bool = False
    """The user pressed the exit button."""

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("timestamp needs a time zone, e.g. +08:00 or Z")
        return value


def read_script(path: Path) -> list[tuple[int, ScriptMessage]]:
    """``(line, message)`` pairs; :class:`HeguiError` naming the file, line and field."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HeguiError(
            f"cannot read script: {exc}", f"无法读取对话脚本：{exc}", str(path)
        ) from None
    rows = list(_rows(text, str(path)))
    if not rows:
        raise HeguiError("the script has no messages", "对话脚本中没有消息", str(path))
    out = []
    for line, row in rows:
        try:
            out.append((line, ScriptMessage.model_validate(row)))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(message)"
            raise HeguiError(
                f"{field}: {first['msg']}", f"{field}：{first['msg']}", f"{path}:{line}"
            ) from None
    return out


def _rows(text: str, where: str) -> Iterator[tuple[int, Any]]:
    if where.endswith((".yaml", ".yml")):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise HeguiError(f"not valid YAML: {exc}", f"不是有效的 YAML：{exc}", where) from None
        if not isinstance(data, list):
            raise HeguiError(
                "a YAML script is a list of messages", "YAML 脚本必须是消息列表", where
            )
        yield from enumerate(data, 1)
        return
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise HeguiError(
                    f"not valid JSON: {exc.msg}", f"不是有效的 JSON：{exc.msg}", f"{where}:{number}"
                ) from None


def simulate(
    pack: PolicyPack,
    script: list[tuple[int, ScriptMessage]],
    scorer: RiskScorer | None = None,
    progress: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """Every message's plan, in script order, as JSON-ready dicts with the script line."""
    monitor = CompanionMonitor(pack, CompanionStore("sqlite://"), scorer=scorer)
    out = []
    try:
        for line, message in script:
            plan = monitor.before_turn(
                message.app,
                message.user,
                message.text,
                message.at,
                minor=message.minor,
                exit_requested=message.exit,
            )
            out.append(_row(line, message, plan))
            if progress:
                progress()
    finally:
        monitor.close()
    return out


def _row(line: int, message: ScriptMessage, plan: TurnPlan) -> dict[str, Any]:
    return {
        "line": line,
        "at": message.at.isoformat(),
        "app": message.app,
        "user": message.user,
        "action": plan.action.value,
        "message": plan.message,
        "notices": [n.model_dump(mode="json") for n in [*plan.prepend, *plan.append]],
        "events": [e.model_dump(mode="json") for e in plan.events],
        "scores": plan.scores,
    }
