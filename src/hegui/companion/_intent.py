"""First-person self-harm intent rules: the risk scorer's high-precision tier.

The rules live in a data file (``hegui/companion/intent.yaml``; schema :class:`IntentFile`):
regular expressions for a stated intent, plan, preparation or act of suicide or self-harm in
the first person, plus ``unless`` patterns (jokes, fiction, other people) that veto a match.
A message a rule matches escalates whatever the classifier's score
(:meth:`hegui.companion.RiskScores.escalates`). Loading compiles every pattern and checks each
rule against its own examples and counterexamples, so a broken or loosened rule file is
rejected with the rule's id instead of silently changing who is escalated.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hegui._datafile import read_yaml, validate
from hegui.detect.classifier._text import normalise
from hegui.errors import HeguiError

FORMAT = "hegui-companion-intent-1"
MAX_CHARS = 2000
"""Only a message's first ``MAX_CHARS`` characters are searched (bounds the cost)."""

_FRAGMENT = re.compile(r"\{\{(\w+)\}\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Veto(_Strict):
    """A pattern that, found anywhere in a message, stops every rule from matching it."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    """Short name, shown in errors."""
    why: str = Field(min_length=10)
    """What the veto protects against."""
    pattern: str = Field(min_length=1)
    """Regular expression searched in the folded message."""
    examples: list[str] = Field(min_length=1)
    """Messages the pattern must find."""


class IntentRule(_Strict):
    """One rule: a pattern that states first-person intent, with its own test cases."""

    id: str = Field(pattern=r"^(zh|en)\.[a-z0-9-]+$")
    """``zh.…`` or ``en.…``; recorded on the escalation event when the rule fires."""
    lang: Literal["zh", "en"]
    """Language the rule is written for (every rule is searched in every message)."""
    why: str = Field(min_length=10)
    """What the rule catches and why it is safe to escalate on it."""
    pattern: str = Field(min_length=1)
    """Regular expression searched in the folded message; ``{{name}}`` inserts a fragment."""
    examples: list[str] = Field(min_length=1)
    """Messages this rule must match."""
    counterexamples: list[str] = Field(default_factory=list)
    """Messages no rule may match (after the vetoes)."""

    @model_validator(mode="after")
    def _lang_matches_id(self) -> IntentRule:
        if not self.id.startswith(f"{self.lang}."):
            raise ValueError(f"id {self.id!r} does not start with its lang {self.lang!r}")
        return self


class IntentFile(_Strict):
    """The rule file."""

    format: Literal["hegui-companion-intent-1"]
    """File format version."""
    fragments: dict[str, str] = Field(default_factory=dict)
    """Named pieces of patterns, inserted with ``{{name}}``."""
    unless: list[Veto] = Field(default_factory=list)
    """Vetoes: a message any of these finds is never escalated by a rule."""
    rules: list[IntentRule] = Field(min_length=1)
    """The rules, tried in order; the first that matches names the escalation."""

    @model_validator(mode="after")
    def _unique_ids(self) -> IntentFile:
        ids = [r.id for r in self.rules] + [v.id for v in self.unless]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate ids {duplicates}")
        return self


def default_intent_rules() -> Path:
    """Path of the shipped rule file."""
    return Path(str(resources.files("hegui").joinpath("companion/intent.yaml")))


def fold(text: str) -> str:
    """``text`` as the rules see it: the classifier's folding, apostrophes straightened."""
    return normalise(text[:MAX_CHARS]).replace("\u2019", "'")


class IntentRules:
    """The compiled rules of one file; thread-safe (compiled patterns are immutable)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_intent_rules()
        where = str(self.path)
        spec = _read(self.path)
        self._vetoes = [
            (v.id, _compile(v.pattern, spec.fragments, f"unless {v.id}", where))
            for v in spec.unless
        ]
        self._rules = [(r.id, _compile(r.pattern, spec.fragments, r.id, where)) for r in spec.rules]
        self.ids = tuple(r.id for r in spec.rules)
        _check(self, spec, where)

    def match(self, text: str) -> str | None:
        """Id of the first rule that finds first-person intent in ``text``, else ``None``."""
        return self._match_folded(fold(text))

    def _match_folded(self, folded: str) -> str | None:
        if any(pattern.search(folded) for _, pattern in self._vetoes):
            return None
        for rule_id, pattern in self._rules:
            if pattern.search(folded):
                return rule_id
        return None


def _read(path: Path) -> IntentFile:
    data = read_yaml(path, "intent rule file", "自伤意图规则文件")
    return validate(IntentFile, data, str(path))


def _compile(pattern: str, fragments: dict[str, str], name: str, where: str) -> re.Pattern[str]:
    def insert(found: re.Match[str]) -> str:
        key = found.group(1)
        if key not in fragments:
            raise HeguiError(
                f"{name}: unknown fragment {{{{{key}}}}}; known: {sorted(fragments)}",
                f"{name}：未知片段 {{{{{key}}}}}；已有片段：{sorted(fragments)}",
                where,
            )
        return fragments[key]

    expanded = _FRAGMENT.sub(insert, pattern)
    try:
        return re.compile(expanded)
    except re.error as exc:
        raise HeguiError(
            f"{name}: not a valid regular expression: {exc}",
            f"{name}：不是有效的正则表达式：{exc}",
            where,
        ) from None


def _check(rules: IntentRules, spec: IntentFile, where: str) -> None:
    """Every veto finds its examples; every rule matches its examples and lets its
    counterexamples through."""
    vetoes = dict(rules._vetoes)
    for veto in spec.unless:
        for example in veto.examples:
            if not vetoes[veto.id].search(fold(example)):
                raise HeguiError(
                    f"unless {veto.id}: does not find its example {example!r}",
                    f"unless {veto.id}：没有匹配自己的示例 {example!r}",
                    where,
                )
    patterns = dict(rules._rules)
    for rule in spec.rules:
        for example in rule.examples:
            folded = fold(example)
            if not patterns[rule.id].search(folded) or rules._match_folded(folded) is None:
                raise HeguiError(
                    f"{rule.id}: does not escalate its example {example!r}",
                    f"{rule.id}：没有命中自己的示例 {example!r}",
                    where,
                )
        for counter in rule.counterexamples:
            fired = rules._match_folded(fold(counter))
            if fired is not None:
                raise HeguiError(
                    f"{rule.id}: counterexample {counter!r} escalates (by {fired})",
                    f"{rule.id}：反例 {counter!r} 被判为升级（规则 {fired}）",
                    where,
                )
