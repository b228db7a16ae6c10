"""Policy packs: versioned data that says what to detect and what to do about it."""

from hegui.policy._loader import DEFAULT_POLICY_ID, builtin_policy_ids, known_labels, load_policy
from hegui.policy._schema import (
    Bilingual,
    CascadeSettings,
    Category,
    PolicyPack,
    Requirement,
    Risk,
    Scope,
    Thresholds,
)

__all__ = [
    "DEFAULT_POLICY_ID",
    "Bilingual",
    "CascadeSettings",
    "Category",
    "PolicyPack",
    "Requirement",
    "Risk",
    "Scope",
    "Thresholds",
    "builtin_policy_ids",
    "known_labels",
    "load_policy",
]
