"""The companion-chat safeguards as the gateway runs them for apps in companion mode."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hegui.companion import Action, CompanionMonitor, TurnPlan, rules_of
from hegui.detect import Decision, Verdict
from hegui.errors import HeguiError
from hegui.gateway._config import GatewayConfig
from hegui.policy import PolicyPack

METADATA_KEYS = ("hegui_minor", "hegui_exit")
"""Keys of the request's ``metadata`` the gateway reads (and does not forward): the app marks a
user as a minor, or passes the user's exit button."""


class CompanionGate:
    """One monitor for every companion app of a gateway."""

    def __init__(self, config: GatewayConfig, packs: dict[str, PolicyPack]) -> None:
        for name, pack in packs.items():
            try:
                rules_of(pack)
            except HeguiError as err:
                raise HeguiError(
                    f"app {name}: {err.en}", f"应用 {name}：{err.zh}", err.where
                ) from None
        self.monitor = CompanionMonitor(
            lambda app: packs[app],
            config.companion_database_url or config.database_url,
            webhook_url=config.companion_webhook_url,
        )

    async def before(self, app: str, user: str, prompt: str, body: dict[str, Any]) -> TurnPlan:
        """The monitor's plan for this message; removes the gateway's metadata keys."""
        metadata = body.get("metadata")
        flags: dict[str, bool] = {}
        if isinstance(metadata, dict):
            for key in METADATA_KEYS:
                if key in metadata:
                    flags[key] = str(metadata.pop(key)).lower() == "true"
            if not metadata:
                body.pop("metadata")
        return await self.monitor.abefore_turn(
            app,
            user,
            prompt,
            minor=True if flags.get("hegui_minor") else None,
            exit_requested=flags.get("hegui_exit", False),
        )

    async def after(self, plan: TurnPlan, answer: str) -> None:
        """Record the answer the user was shown."""
        if plan.turn_id is not None:
            await self.monitor.aafter_turn(plan.turn_id, answer)

    def close(self) -> None:
        """Stop the notifier and close the monitor's database."""
        self.monitor.close()


def replaces_answer(plan: TurnPlan) -> bool:
    """Exit, human takeover and escalation answer in place of the model."""
    return plan.action is not Action.PROCEED


def with_notices(answer: str, plan: TurnPlan) -> str:
    """The answer between the plan's notices (AI identity, reminders, support)."""
    before = [n.text for n in plan.prepend]
    after = [n.text for n in plan.append]
    return "\n\n".join([*before, answer, *after])


def prefix_of(plan: TurnPlan) -> str:
    """What a streamed answer starts with."""
    return "".join(f"{n.text}\n\n" for n in plan.prepend)


def suffix_of(plan: TurnPlan) -> str:
    """What a streamed answer ends with."""
    return "".join(f"\n\n{n.text}" for n in plan.append)


def blocked_for_user(verdict: Verdict, plan: TurnPlan | None) -> Verdict:
    """A verdict that also blocks what minors mode forbids, at any level the detectors flag."""
    if plan is None or not plan.blocked_risks or verdict.decision is Decision.BLOCK:
        return verdict
    forbidden = set(plan.blocked_risks)
    hit = [c for c in verdict.categories if c.id in forbidden and c.decision is not Decision.ALLOW]
    if not hit:
        return verdict
    categories = tuple(
        replace(c, decision=Decision.BLOCK) if c.id in forbidden else c for c in verdict.categories
    )
    return replace(verdict, decision=Decision.BLOCK, categories=categories, decided_by="minors")


def summary(plan: TurnPlan) -> dict[str, Any]:
    """The plan as the response's ``hegui.companion`` and the audit record show it."""
    return {
        "action": plan.action.value,
        "case_id": plan.case_id,
        "minor": plan.minor,
        "notices": [{"kind": n.kind, "reason": n.reason} for n in [*plan.prepend, *plan.append]],
        "events": [e.kind for e in plan.events],
        "risk_ms": round(plan.risk_ms, 3),
    }
