"""Reading a guard model's verdict out of its generated text, tolerantly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from hegui.detect.guard._config import GuardFamily


class SafetyTier(StrEnum):
    """The model's overall judgement; only Qwen3Guard says ``controversial``."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    CONTROVERSIAL = "controversial"


@dataclass(frozen=True, slots=True)
class GuardReading:
    """A parsed verdict: tier, the categories as the model wrote them, and (Qwen3Guard
    answer moderation only) whether the answer was a refusal."""

    tier: SafetyTier
    categories: tuple[str, ...]
    refusal: bool | None = None


class GuardOutputError(ValueError):
    """The generated text is not a verdict in the family's format."""


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_SPECIAL = re.compile(r"<\|[^|>]*\|>")
_LLAMA_VERDICT = re.compile(r"\A\W*(safe|unsafe)\b(.*)\Z", re.DOTALL | re.IGNORECASE)
_LLAMA_CODE = re.compile(r"\bS\s*(\d{1,2})\b", re.IGNORECASE)
_QWEN_TIER = re.compile(r"safety\s*[:：]\s*(safe|unsafe|controversial)\b", re.IGNORECASE)
_QWEN_CATEGORIES = re.compile(r"categor(?:y|ies)\s*[:：]\s*([^\n]*)", re.IGNORECASE)
_QWEN_REFUSAL = re.compile(r"refusal\s*[:：]\s*(yes|no)\b", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,，;；、]")


def parse_output(family: GuardFamily, output: str) -> GuardReading:
    """Parse ``output`` in ``family``'s format; raise :class:`GuardOutputError` if it is not one.

    Case, surrounding whitespace, stray special tokens and an empty think block are ignored;
    a missing category line yields no categories (the caller decides what that scores).
    """
    cleaned = _SPECIAL.sub("", _THINK.sub("", output)).strip()
    if family is GuardFamily.QWEN3GUARD:
        return _parse_qwen3guard(cleaned, output)
    return _parse_llama_guard(cleaned, output)


def _parse_llama_guard(cleaned: str, output: str) -> GuardReading:
    match = _LLAMA_VERDICT.match(cleaned)
    if match is None:
        raise GuardOutputError(f"expected 'safe' or 'unsafe' first, got {_excerpt(output)}")
    if match.group(1).casefold() == "safe":
        return GuardReading(SafetyTier.SAFE, ())
    codes = dict.fromkeys(f"S{int(n)}" for n in _LLAMA_CODE.findall(match.group(2)))
    return GuardReading(SafetyTier.UNSAFE, tuple(codes))


def _parse_qwen3guard(cleaned: str, output: str) -> GuardReading:
    tier = _QWEN_TIER.search(cleaned)
    if tier is None:
        raise GuardOutputError(f"expected a 'Safety: …' line, got {_excerpt(output)}")
    categories: tuple[str, ...] = ()
    line = _QWEN_CATEGORIES.search(cleaned)
    if line is not None:
        names = (part.strip().rstrip(".。").strip() for part in _SEPARATORS.split(line.group(1)))
        categories = tuple(dict.fromkeys(n for n in names if n and n.casefold() != "none"))
    refusal = _QWEN_REFUSAL.search(cleaned)
    return GuardReading(
        SafetyTier(tier.group(1).casefold()),
        categories,
        None if refusal is None else refusal.group(1).casefold() == "yes",
    )


def _excerpt(output: str, limit: int = 80) -> str:
    return repr(output if len(output) <= limit else output[:limit] + "…")
