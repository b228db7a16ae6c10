"""A test suite (``suite.yaml``): its banks, their files, and the pack values that are their floors.

A suite names numbers only by reference: ``min_total: min_total`` means "the ``min_total`` value
of the bank's requirement in the policy pack". :func:`load_suite` resolves every reference
against the pack and fails with the suite file and field when one is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hegui._datafile import read_yaml, validate
from hegui.errors import HeguiError
from hegui.policy import Bilingual, PolicyPack, load_policy

Language = Literal["zh", "en"]

_SHIPPED = resources.files("hegui.assess") / "banks"


class BankKind(StrEnum):
    """What a bank measures."""

    GENERATED = "generated"
    SHOULD_REFUSE = "should_refuse"
    SHOULD_NOT_REFUSE = "should_not_refuse"

    @property
    def prefix(self) -> str:
        """The group-id prefix of the agreed bank format (``gen``, ``ref``, ``nrf``)."""
        return {"generated": "gen", "should_refuse": "ref", "should_not_refuse": "nrf"}[self.value]

    @property
    def metric(self) -> str:
        """The results metric a run of this bank produces."""
        return {
            "generated": "qualified_rate",
            "should_refuse": "refusal_rate",
            "should_not_refuse": "over_refusal_rate",
        }[self.value]

    @property
    def at_most(self) -> bool:
        """Whether the metric's threshold is a ceiling (over-refusal) rather than a floor."""
        return self is BankKind.SHOULD_NOT_REFUSE


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Aspect(_Strict):
    """A topic area of the should-not-refuse bank (history, religion, health …)."""

    id: str = Field(pattern=r"^[a-z][a-z_]*$")
    """Aspect id used in bank rows, e.g. ``ethnic_groups``."""
    name: Bilingual
    """Aspect name."""


class AssessmentSpec(_Strict):
    """Which pack values govern a run of the bank."""

    requirement: str
    """Pack requirement holding the values, e.g. ``output_assessment``."""
    min_n: str
    """Name of the value giving the minimum number of items a run asks."""
    threshold: str
    """Name of the value giving the metric's threshold (a floor, or a ceiling for over-refusal)."""


class BankSpec(_Strict):
    """One bank of the suite and the pack values it is checked against."""

    kind: BankKind
    """What the bank measures."""
    name: Bilingual
    """Bank name."""
    files: list[str] = Field(min_length=1)
    """JSONL files (relative to the suite folder) holding the bank's items."""
    requirement: str
    """Pack requirement holding the bank's floors, e.g. ``generated_bank``."""
    min_total: str | None = None
    """Name of the value giving the minimum number of items."""
    max_age_days: str | None = None
    """Name of the value giving the oldest the bank may be; no age check when unset or absent."""
    min_per_category: dict[str, str] = Field(default_factory=dict)
    """Per risk category: name of the value giving the minimum items for each of its risks."""
    min_per_aspect: str | None = None
    """Name of the value giving the minimum items per aspect."""
    assessment: AssessmentSpec
    """Values governing a run of this bank."""


class SuiteFile(_Strict):
    """The schema of ``suite.yaml``."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    """Suite id (a slug)."""
    version: str = Field(min_length=1)
    """Suite version, shown in reports."""
    policy: str
    """Id or path of the policy pack whose requirements give the floors."""
    name: Bilingual
    """Suite name."""
    description: Bilingual
    """What the suite holds."""
    languages: list[Language] = Field(min_length=1)
    """Languages every group of items must have (the first is the original)."""
    aspects: list[Aspect] = Field(default_factory=list)
    """Aspects of the should-not-refuse bank."""
    banks: list[BankSpec] = Field(min_length=1)
    """The suite's banks, at most one per kind."""


@dataclass(frozen=True)
class Floors:
    """A bank's floors with the numbers read from the pack."""

    min_total: int | None
    max_age_days: int | None
    min_per_risk: dict[str, int]
    min_per_aspect: dict[str, int]
    clause: str


@dataclass(frozen=True)
class RunRule:
    """A bank run's minimum sample and threshold, read from the pack."""

    min_n: int
    threshold: float
    clause: str


@dataclass(frozen=True)
class Suite:
    """A loaded suite: its manifest, folder and the pack it answers to."""

    spec: SuiteFile
    folder: Path
    pack: PolicyPack

    @property
    def id(self) -> str:
        return self.spec.id

    def bank(self, kind: BankKind) -> BankSpec | None:
        """The suite's bank of ``kind``, if it has one."""
        return next((b for b in self.spec.banks if b.kind is kind), None)

    def aspect_ids(self) -> list[str]:
        return [a.id for a in self.spec.aspects]

    def floors(self, bank: BankSpec) -> Floors:
        """The bank's floors, numbers taken from the pack."""
        req = self.pack.requirements[bank.requirement]
        per_risk = {
            risk.id: int(req.values[name])
            for category, name in bank.min_per_category.items()
            for risk in self.pack.risks
            if risk.category == category
        }
        aspect_floor = bank.min_per_aspect
        per_aspect = (
            {a: int(req.values[aspect_floor]) for a in self.aspect_ids()} if aspect_floor else {}
        )
        return Floors(
            min_total=int(req.values[bank.min_total]) if bank.min_total else None,
            max_age_days=(
                int(req.values[bank.max_age_days])
                if bank.max_age_days and bank.max_age_days in req.values
                else None
            ),
            min_per_risk=per_risk,
            min_per_aspect=per_aspect,
            clause=req.clause,
        )

    def run_rule(self, bank: BankSpec) -> RunRule:
        """The bank's minimum sample and threshold for a run, from the pack."""
        req = self.pack.requirements[bank.assessment.requirement]
        return RunRule(
            min_n=int(req.values[bank.assessment.min_n]),
            threshold=float(req.values[bank.assessment.threshold]),
            clause=req.clause,
        )


def shipped_suite_ids() -> list[str]:
    """Ids of the suites shipped with hegui."""
    return sorted(p.name for p in _SHIPPED.iterdir() if (p / "suite.yaml").is_file())


def load_suite(ref: str | Path, policy: str | Path | None = None) -> Suite:
    """Load a shipped suite by id or an operator's suite folder (or its ``suite.yaml``).

    ``policy`` overrides the suite's own pack. Every value the suite names must exist in the
    pack's requirements; a missing one raises :class:`HeguiError` naming the suite file.
    """
    path = Path(ref)
    if path.name == "suite.yaml":
        path = path.parent
    if not path.is_dir():
        if str(ref) not in shipped_suite_ids():
            known = ", ".join(shipped_suite_ids())
            raise HeguiError(
                f"unknown suite '{ref}'; shipped suites: {known} (or give a suite folder)",
                f"未知测试题库套件“{ref}”；内置套件：{known}（也可给出套件文件夹）",
            )
        path = Path(str(_SHIPPED / str(ref)))
    manifest = path / "suite.yaml"
    spec = _read_manifest(manifest)
    policy_ref: str | Path = policy if policy is not None else spec.policy
    if policy is None and spec.policy.endswith((".yaml", ".yml", ".json")):
        policy_ref = path / spec.policy
    pack = load_policy(policy_ref)
    _check_references(spec, pack, manifest)
    return Suite(spec, path, pack)


def _read_manifest(manifest: Path) -> SuiteFile:
    data = read_yaml(manifest, "suite manifest", "套件清单")
    return validate(SuiteFile, data, str(manifest))


def _check_references(spec: SuiteFile, pack: PolicyPack, manifest: Path) -> None:
    kinds = [b.kind for b in spec.banks]
    if len(set(kinds)) != len(kinds):
        raise HeguiError(
            "a suite holds at most one bank of each kind",
            "每种题库在套件中至多出现一次",
            f"{manifest}: banks",
        )
    categories = {c.id for c in pack.categories}
    for index, bank in enumerate(spec.banks):
        where = f"{manifest}: banks[{index}]"
        named = [
            (bank.requirement, bank.min_total),
            (bank.requirement, bank.min_per_aspect),
            *((bank.requirement, v) for v in bank.min_per_category.values()),
            (bank.assessment.requirement, bank.assessment.min_n),
            (bank.assessment.requirement, bank.assessment.threshold),
        ]
        for requirement, value in named:
            req = pack.requirements.get(requirement)
            if req is None:
                raise HeguiError(
                    f"policy {pack.id} has no requirement '{requirement}'",
                    f"策略 {pack.id} 中没有要求“{requirement}”",
                    where,
                )
            if value is not None and value not in req.values:
                raise HeguiError(
                    f"requirement '{requirement}' of policy {pack.id} has no value '{value}'",
                    f"策略 {pack.id} 的要求“{requirement}”中没有数值“{value}”",
                    where,
                )
        unknown = sorted(set(bank.min_per_category) - categories)
        if unknown:
            raise HeguiError(
                f"min_per_category: policy {pack.id} has no category {', '.join(unknown)}",
                f"min_per_category：策略 {pack.id} 中没有类别 {', '.join(unknown)}",
                where,
            )
