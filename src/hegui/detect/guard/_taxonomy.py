"""Each guard family's categories and their mapping onto hegui labels (``categories.yaml``)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from hegui.detect._types import Role
from hegui.detect.guard._config import GuardFamily
from hegui.errors import HeguiError

_DATA_FILE = "categories.yaml"


class GuardCategory(BaseModel):
    """One category a guard model can name, and the labels an unsafe verdict on it scores."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    """What the model writes in its verdict (``S1`` or ``Violent``)."""
    name: str
    """What the prompt calls the category."""
    labels: tuple[str, ...]
    """hegui detector labels (``labels.yaml``) scored when the model names this category."""
    why: str
    """Why these labels: the mapping is a judgement, so it is written down."""
    roles: tuple[Role, ...] = (Role.PROMPT, Role.ANSWER)
    """Which moderation tasks list this category."""


class FamilyTaxonomy(BaseModel):
    """A guard family's categories in prompt order, plus the fallback for unnamed ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unspecified: tuple[str, ...]
    """Labels an unsafe verdict scores when it names no known category."""
    categories: tuple[GuardCategory, ...]

    def for_role(self, role: Role) -> tuple[GuardCategory, ...]:
        """The categories the prompt lists when moderating ``role``."""
        return tuple(c for c in self.categories if role in c.roles)

    def find(self, code: str) -> GuardCategory | None:
        """The category whose code is ``code``, ignoring case and surrounding space."""
        wanted = code.strip().casefold()
        return next((c for c in self.categories if c.code.casefold() == wanted), None)

    def labels(self) -> frozenset[str]:
        """Every label an unsafe verdict of this family can score."""
        return frozenset(label for c in self.categories for label in c.labels) | frozenset(
            self.unspecified
        )


class _CategoriesFile(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    version: int
    families: dict[GuardFamily, FamilyTaxonomy]

    @model_validator(mode="after")
    def _every_family(self) -> _CategoriesFile:
        missing = set(GuardFamily) - set(self.families)
        if missing:
            raise ValueError(f"families missing: {sorted(missing)}")
        return self


def _known_labels() -> frozenset[str]:
    text = resources.files("hegui").joinpath("detect", "labels.yaml").read_text("utf-8")
    return frozenset(yaml.safe_load(text)["labels"])


@cache
def _load() -> _CategoriesFile:
    where = f"hegui/detect/guard/{_DATA_FILE}"
    text = resources.files("hegui.detect.guard").joinpath(_DATA_FILE).read_text("utf-8")
    try:
        data = _CategoriesFile.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise HeguiError(
            f"guard category mapping is invalid: {exc}", f"护栏模型类别映射无效：{exc}", where
        ) from None
    known = _known_labels()
    for family, taxonomy in data.families.items():
        unknown = taxonomy.labels() - known
        if unknown:
            raise HeguiError(
                f"{family}: labels not in labels.yaml: {sorted(unknown)}",
                f"{family}：标签不在 labels.yaml 中：{sorted(unknown)}",
                where,
            )
    return data


def taxonomy(family: GuardFamily) -> FamilyTaxonomy:
    """The categories of ``family`` as shipped in ``categories.yaml`` (loaded once)."""
    return _load().families[family]


def labels_covered(family: GuardFamily | str) -> frozenset[str]:
    """The hegui labels a guard model of ``family`` can score (for ``hegui policy coverage``)."""
    return taxonomy(GuardFamily(family)).labels()
