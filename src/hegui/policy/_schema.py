"""Policy packs as typed data: taxonomy, thresholds, actions per scope, refusal texts."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hegui.detect._types import Decision
from hegui.errors import HeguiError


class Scope(StrEnum):
    """Where an app is deployed: to the public (the rules apply in full) or internally (R&D)."""

    PUBLIC = "public"
    INTERNAL = "internal"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(_Strict):
    """The same text in Chinese and English."""

    zh: str = Field(min_length=1)
    """Chinese text."""
    en: str = Field(min_length=1)
    """English text."""

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``zh`` or ``en``; anything else gives English)."""
        return self.zh if lang == "zh" else self.en


class Thresholds(_Strict):
    """Score thresholds: at ``flag`` a text is flagged, at ``block`` the scope's action applies."""

    flag: float = Field(ge=0, le=1)
    """Lowest score at which a text is flagged for review."""
    block: float = Field(ge=0, le=1)
    """Lowest score at which the scope's action (usually block) applies."""

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.flag > self.block:
            raise ValueError("flag must not exceed block")
        return self


FailureMode = Literal["fail_closed", "fail_open"]
ExchangeSide = Literal["prompt", "answer"]


def _both_sides() -> list[ExchangeSide]:
    return ["prompt", "answer"]


def _default_failure_modes() -> dict[Scope, FailureMode]:
    return {Scope.PUBLIC: "fail_closed", Scope.INTERNAL: "fail_open"}


class CascadeSettings(_Strict):
    """How the detection cascade runs under this pack."""

    uncertain_low: float = Field(default=0.2, ge=0, le=1)
    """A cheaper tier's score in [uncertain_low, uncertain_high) escalates to the next tier."""
    uncertain_high: float | None = Field(default=None, gt=0, le=1)
    """Upper end of the uncertain band; unset means each risk's block threshold. A score at or
    above it is decided by the cheaper tier alone."""
    embedded: Literal["never", "uncertain", "always"] = "uncertain"
    """When the e5 embedding classifier runs."""
    embedded_roles: list[ExchangeSide] = Field(default_factory=_both_sides, min_length=1)
    """Which side of an exchange the e5 classifier checks (prompts, answers or both)."""
    guard: Literal["never", "uncertain", "always"] = "never"
    """When a configured guard model runs."""
    guard_controversial: Literal["strict", "loose"] = "strict"
    """Qwen3Guard's Controversial tier counts as unsafe (strict) or safe (loose)."""
    on_detector_error: dict[Scope, FailureMode] = Field(default_factory=_default_failure_modes)
    """Per scope: block when a detector fails (fail_closed) or go on without it (fail_open)."""
    max_chars: int = Field(default=200_000, gt=0)
    """Longest text the cascade accepts; longer texts are refused with a clear error."""

    @model_validator(mode="after")
    def _band_ordered(self) -> CascadeSettings:
        if self.uncertain_high is not None and self.uncertain_high <= self.uncertain_low:
            raise ValueError("uncertain_high must be greater than uncertain_low")
        return self


class Category(_Strict):
    """A group of risks (TC260 Appendix A's A1 … A5)."""

    id: str = Field(min_length=1)
    """Category id, e.g. ``A1``."""
    name: Bilingual
    """Category name."""


class Risk(_Strict):
    """One risk of the taxonomy, and the detector labels that feed it."""

    id: str = Field(min_length=1)
    """Risk id, e.g. ``A1.1`` or ``violence``."""
    category: str
    """Id of the category the risk belongs to."""
    name: Bilingual
    """Risk name."""
    description: Bilingual
    """What content the risk covers."""
    examples: dict[Literal["zh", "en"], list[str]] = Field(default_factory=dict)
    """Short illustrative prompts per language."""
    labels: list[str] = Field(default_factory=list)
    """Detector labels (labels.yaml) whose scores feed this risk; empty: nothing detects it."""
    thresholds: Thresholds | None = None
    """Overrides the pack's thresholds for this risk."""
    actions: dict[Scope, Decision] | None = None
    """Overrides the pack's action per scope for this risk."""


class Requirement(_Strict):
    """A numeric requirement of the rule the pack encodes (bank sizes, floors, rates)."""

    clause: str
    """The clause the requirement comes from, with (2°) / (?) marks where the digest has them."""
    description: Bilingual
    """What is required."""
    values: dict[str, float] = Field(default_factory=dict)
    """Named numbers, e.g. ``min_total``, ``max_age_days``, ``min_rate``."""
    min_per_risk: dict[str, int] = Field(default_factory=dict)
    """Per-risk minimum counts, by risk id."""


class LabelRules(_Strict):
    """How generated text is labelled (CAC labelling measures, GB 45438-2025)."""

    clause: str
    """The clause the label rules encode."""
    explicit: Bilingual
    """The explicit text label; its wording must carry "AI"/"人工智能" and "生成"/"合成"."""
    position: Literal["start", "end"] = "end"
    """Where the explicit label goes in generated text, unless the app says otherwise."""


class RecordRules(_Strict):
    """How long exchange records are kept."""

    clause: str
    """The clause the record rules encode."""
    retention_days: int = Field(gt=0)
    """Records younger than this are never purged."""


class ComplaintRules(_Strict):
    """The complaint mechanism's published time limit (Interim Measures Art. 15)."""

    clause: str
    """The clause the complaint rules encode."""
    deadline_days: int = Field(gt=0)
    """Days from filing within which a complaint must be answered."""


StrikeAction = Literal["warn", "restrict", "suspend"]


class StrikeStep(_Strict):
    """What happens to a user once their strikes reach ``at``."""

    at: int = Field(gt=0)
    """Number of strikes within the window at which this step applies."""
    action: StrikeAction
    """warn: tell the user; restrict: rate-limit; suspend: refuse all requests."""
    duration_minutes: int = Field(default=0, ge=0)
    """How long a restriction or suspension lasts (0 for a warning)."""
    requests_per_minute: int = Field(default=0, ge=0)
    """Requests a restricted user may make per minute."""
    message: Bilingual
    """What the user is told."""


class StrikeRules(_Strict):
    """Measures against users who keep violating the policy (Interim Measures Art. 14(2))."""

    clause: str
    """The clause the strike rules encode."""
    window_days: int = Field(gt=0)
    """Strikes older than this no longer count."""
    steps: list[StrikeStep] = Field(min_length=1)
    """Escalating steps, by strike count."""

    @model_validator(mode="after")
    def _increasing(self) -> StrikeRules:
        counts = [s.at for s in self.steps]
        if counts != sorted(set(counts)):
            raise ValueError("steps must have strictly increasing 'at' counts")
        return self

    def step_for(self, strikes: int) -> StrikeStep | None:
        """The most severe step a user with ``strikes`` strikes has reached, if any."""
        reached = [s for s in self.steps if strikes >= s.at]
        return reached[-1] if reached else None


class PolicyPack(_Strict):
    """A versioned policy: taxonomy, thresholds, actions per scope, refusal messages."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    """Pack id (a slug)."""
    version: str = Field(pattern=r"^\d+\.\d+\.\d+")
    """Semantic version of the pack."""
    jurisdiction: str
    """Where the rule applies, e.g. ``CN`` or ``INTL``."""
    clause: str
    """The standard or clause the pack encodes."""
    name: Bilingual
    """Pack name."""
    description: Bilingual
    """What the pack is for."""
    extends: list[str] = Field(default_factory=list)
    """Packs (ids or relative paths) this pack inherits from; resolved by the loader."""
    categories: list[Category]
    """Risk categories."""
    risks: list[Risk]
    """The risks of the taxonomy."""
    thresholds: Thresholds
    """Default thresholds for every risk."""
    actions: dict[Scope, Decision]
    """Default action per scope when a risk reaches its block threshold."""
    refusal: Bilingual
    """Message shown instead of blocked content; ``{categories}`` is replaced by risk names."""
    cascade: CascadeSettings = Field(default_factory=CascadeSettings)
    """How the detection cascade runs."""
    requirements: dict[str, Requirement] = Field(default_factory=dict)
    """Numeric requirements of the rule (keyword_library, test banks, corpus checks …)."""
    companion: CompanionRules | None = None
    """Companion-chat rules (hegui.companion); None when the pack is not for companion apps."""
    labels: LabelRules | None = None
    """How generated content is labelled; None when the pack sets no label rule."""
    records: RecordRules | None = None
    """How long exchange records are kept; None when the pack sets no retention rule."""
    complaints: ComplaintRules | None = None
    """The complaint mechanism's time limit; None when the pack sets none."""
    strikes: StrikeRules | None = None
    """Measures against repeat violators; None when the pack sets none."""

    @model_validator(mode="after")
    def _consistent(self) -> PolicyPack:
        ids = [r.id for r in self.risks]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate risk ids: {', '.join(duplicates)}")
        categories = {c.id for c in self.categories}
        for risk in self.risks:
            if risk.category not in categories:
                raise ValueError(f"risk {risk.id}: unknown category {risk.category!r}")
        for name, req in self.requirements.items():
            unknown = sorted(set(req.min_per_risk) - set(ids))
            if unknown:
                raise ValueError(f"requirements.{name}.min_per_risk: unknown risks {unknown}")
        for scope in Scope:
            if scope not in self.actions:
                raise ValueError(f"actions: missing scope {scope.value!r}")
        return self

    @cached_property
    def _risk_by_id(self) -> dict[str, Risk]:
        return {r.id: r for r in self.risks}

    @cached_property
    def _risks_by_label(self) -> dict[str, tuple[Risk, ...]]:
        table: dict[str, list[Risk]] = {}
        for risk in self.risks:
            for label in risk.labels:
                table.setdefault(label, []).append(risk)
        return {label: tuple(risks) for label, risks in table.items()}

    def risk(self, risk_id: str) -> Risk:
        """The risk with ``risk_id``; :class:`HeguiError` if the pack has none."""
        try:
            return self._risk_by_id[risk_id]
        except KeyError:
            raise HeguiError(
                f"policy {self.id} has no risk {risk_id!r}",
                f"策略 {self.id} 中没有风险 {risk_id!r}",
            ) from None

    def risks_for_label(self, label: str) -> tuple[Risk, ...]:
        """Risks a detector label feeds."""
        return self._risks_by_label.get(label, ())

    def labels_used(self) -> set[str]:
        """Every detector label some risk of the pack uses."""
        return set(self._risks_by_label)

    def thresholds_for(self, risk_id: str) -> Thresholds:
        """The risk's own thresholds, else the pack's."""
        return self.risk(risk_id).thresholds or self.thresholds

    def action_for(self, risk_id: str, scope: Scope) -> Decision:
        """What happens in ``scope`` when the risk reaches its block threshold."""
        own = self.risk(risk_id).actions
        if own and scope in own:
            return own[scope]
        return self.actions[scope]

    def refusal_message(self, lang: str, risk_ids: Sequence[str] = ()) -> str:
        """The refusal text in ``lang`` (zh or en), naming the risks when the template asks."""
        sep = "、" if lang == "zh" else ", "
        names = sep.join(self.risk(r).name.get(lang) for r in risk_ids)
        return self.refusal.get(lang).replace("{categories}", names)


# Imported last: the companion rules reuse Bilingual, defined above.
from hegui.policy._companion import CompanionRules  # noqa: E402
