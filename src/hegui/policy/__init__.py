"""Policy packs: versioned data that says what to detect and what to do about it."""

from hegui.policy._loader import DEFAULT_POLICY_ID, builtin_policy_ids, known_labels, load_policy
from hegui.policy._schema import (
    Bilingual,
    CascadeSettings,
    Category,
    ComplaintRules,
    LabelRules,
    PolicyPack,
    RecordRules,
    Requirement,
    Risk,
    Scope,
    StrikeRules,
    StrikeStep,
    Thresholds,
)

__all__ = [
    "DEFAULT_POLICY_ID",
    "Bilingual",
    "CascadeSettings",
    "Category",
    "ComplaintRules",
    "LabelRules",
    "PolicyPack",
    "RecordRules",
    "Requirement",
    "Risk",
    "Scope",
    "StrikeRules",
    "StrikeStep",
    "Thresholds",
    "builtin_policy_ids",
    "known_labels",
    "load_policy",
]
