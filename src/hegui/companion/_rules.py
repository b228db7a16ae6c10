"""Getting a pack's companion rules, checked against the pack."""

from __future__ import annotations

from hegui.errors import HeguiError
from hegui.policy._companion import CompanionRules
from hegui.policy._schema import PolicyPack


def rules_of(pack: PolicyPack) -> CompanionRules:
    """The pack's companion rules; :class:`HeguiError` if it has none."""
    if pack.companion is None:
        raise HeguiError(
            f"policy {pack.id} has no companion rules; use a companion pack such as "
            "cn-companion or us-ca-sb243",
            f"策略 {pack.id} 没有陪伴规则；请使用 cn-companion 或 us-ca-sb243 等陪伴策略包",
            f"{pack.id}.companion",
        )
    risks = {r.id for r in pack.risks}
    unknown = sorted(set(pack.companion.minors.blocked_risks) - risks)
    if unknown:
        raise HeguiError(
            f"companion.minors.blocked_risks: unknown risks {unknown}",
            f"companion.minors.blocked_risks：未知风险 {unknown}",
            pack.id,
        )
    return pack.companion
