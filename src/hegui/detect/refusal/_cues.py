"""Bilingual refusal cues: loading ``cues.yaml`` and finding cue hits in an answer."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hegui.errors import HeguiError

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalize(text: str) -> str:
    """NFKC, lower case and straight quotes: the form both cues and answers are matched in.

    NFKC keeps the length of CJK and ASCII text, but it may change the length of rare
    characters (ligatures); callers use positions only relative to the normalised text.
    """
    return unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()


@dataclass(frozen=True, slots=True)
class CueGroup:
    """One group of cues (both languages) compiled into a single pattern."""

    name: str
    pattern: re.Pattern[str]

    def positions(self, text: str) -> list[int]:
        """Start offsets of every cue hit in ``text`` (already normalised)."""
        return [m.start() for m in self.pattern.finditer(text)]


@dataclass(frozen=True, slots=True)
class CueSet:
    """All cue groups, in file order; their order fixes the feature layout."""

    version: int
    groups: tuple[CueGroup, ...]


def _compile(phrases: list[str]) -> re.Pattern[str]:
    parts = []
    for phrase in sorted({normalize(p) for p in phrases}, key=len, reverse=True):
        body = re.escape(phrase)
        # ASCII words must not match inside longer words ("sure" in "ensure").
        if phrase[:1].isascii() and phrase[:1].isalnum():
            body = r"(?<![a-z0-9])" + body
        if phrase[-1:].isascii() and phrase[-1:].isalnum():
            body += r"(?![a-z0-9])"
        parts.append(body)
    return re.compile("|".join(parts))


def parse_cues(data: Any, where: str) -> CueSet:
    """Build a :class:`CueSet` from the parsed YAML ``data``; errors name the bad field."""
    if not isinstance(data, dict) or not isinstance(data.get("groups"), dict):
        raise HeguiError("cue file needs a 'groups' mapping", "线索文件需要 groups 映射", where)
    groups = []
    for name, body in data["groups"].items():
        phrases: list[str] = []
        for lang in ("en", "zh"):
            items = body.get(lang) if isinstance(body, dict) else None
            if (
                not isinstance(items, list)
                or not items
                or not all(isinstance(x, str) and x for x in items)
            ):
                raise HeguiError(
                    f"group '{name}' needs a non-empty string list '{lang}'",
                    f"线索组“{name}”的“{lang}”必须是非空字符串列表",
                    f"{where}: groups.{name}.{lang}",
                )
            phrases.extend(items)
        groups.append(CueGroup(str(name), _compile(phrases)))
    return CueSet(int(data.get("version", 1)), tuple(groups))


def load_cues(path: Path) -> CueSet:
    """Read a cue file from ``path``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise HeguiError(
            f"cannot read cue file: {exc}", f"无法读取线索文件：{exc}", str(path)
        ) from None
    return parse_cues(data, str(path))


@lru_cache(maxsize=1)
def default_cues() -> CueSet:
    """The cues shipped with hegui (``cues.yaml`` next to this module)."""
    text = resources.files(__package__).joinpath("cues.yaml").read_text(encoding="utf-8")
    return parse_cues(yaml.safe_load(text), "hegui/detect/refusal/cues.yaml")
