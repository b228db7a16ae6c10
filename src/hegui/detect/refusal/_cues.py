"""Bilingual refusal cues: loading ``cues.yaml`` and finding cue hits in an answer.

Phrases of every group are found in one pass (Aho-Corasick, ``ahocorasick_rs``); a group's
regular expressions (``patterns``) are matched on their own. Within a group, overlapping
hits count once, the leftmost (and then longest) winning.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import ahocorasick_rs
import yaml

from hegui.errors import HeguiError

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalize(text: str) -> str:
    """NFKC, lower case and straight quotes: the form both cues and answers are matched in.

    NFKC keeps the length of CJK and ASCII text, but it may change the length of rare
    characters (ligatures); callers use positions only relative to the normalised text.
    """
    return unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()


def _wordy(char: str) -> bool:
    return char.isascii() and char.isalnum()


@dataclass(frozen=True, slots=True)
class _Phrase:
    groups: tuple[int, ...]
    # ASCII words must not match inside longer words ("sure" in "ensure").
    word_start: bool
    word_end: bool


class CueSet:
    """All cue groups, in file order; their order fixes the feature layout.

    ``phrases`` maps each normalised phrase to the indices of the groups listing it;
    ``patterns`` holds each group's combined regular expression, if it has any.
    """

    def __init__(
        self,
        version: int,
        names: tuple[str, ...],
        phrases: dict[str, tuple[int, ...]],
        patterns: tuple[re.Pattern[str] | None, ...],
    ) -> None:
        self.version = version
        self.names = names
        self.patterns = patterns
        self._texts = list(phrases)
        self._phrases = [_Phrase(phrases[t], _wordy(t[0]), _wordy(t[-1])) for t in self._texts]
        self._automaton = ahocorasick_rs.AhoCorasick(
            self._texts or ["\x00"],
            matchkind=ahocorasick_rs.MatchKind.Standard,
            implementation=ahocorasick_rs.Implementation.ContiguousNFA,
        )

    def hits(self, text: str) -> dict[str, list[int]]:
        """Start offsets of each group's cue hits in ``text`` (already normalised)."""
        spans: list[list[tuple[int, int]]] = [[] for _ in self.names]
        if self._texts:
            for index, start, end in self._automaton.find_matches_as_indexes(
                text, overlapping=True
            ):
                phrase = self._phrases[index]
                if (phrase.word_start and start > 0 and _wordy(text[start - 1])) or (
                    phrase.word_end and end < len(text) and _wordy(text[end])
                ):
                    continue
                for group in phrase.groups:
                    spans[group].append((start, end))
        for group, pattern in enumerate(self.patterns):
            if pattern is not None:
                spans[group].extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
        return {name: _leftmost(found) for name, found in zip(self.names, spans, strict=True)}


def _leftmost(spans: list[tuple[int, int]]) -> list[int]:
    starts = []
    reach = -1
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start >= reach:
            starts.append(start)
            reach = end
    return starts


def _is_regex(pattern: object) -> bool:
    if not isinstance(pattern, str) or not pattern:
        return False
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def parse_cues(data: Any, where: str) -> CueSet:
    """Build a :class:`CueSet` from the parsed YAML ``data``; errors name the bad field."""
    if not isinstance(data, dict) or not isinstance(data.get("groups"), dict):
        raise HeguiError("cue file needs a 'groups' mapping", "线索文件需要 groups 映射", where)
    names: list[str] = []
    phrases: dict[str, list[int]] = {}
    patterns: list[re.Pattern[str] | None] = []
    for index, (name, body) in enumerate(data["groups"].items()):
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
            for item in items:
                groups = phrases.setdefault(normalize(item), [])
                if index not in groups:
                    groups.append(index)
        found = body.get("patterns", [])
        if not isinstance(found, list) or not all(_is_regex(x) for x in found):
            raise HeguiError(
                f"group '{name}': 'patterns' must be a list of regular expressions",
                f"线索组“{name}”的 patterns 必须是正则表达式列表",
                f"{where}: groups.{name}.patterns",
            )
        patterns.append(re.compile("|".join(f"(?:{p})" for p in found)) if found else None)
        names.append(str(name))
    return CueSet(
        int(data.get("version", 1)),
        tuple(names),
        {text: tuple(groups) for text, groups in phrases.items()},
        tuple(patterns),
    )


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
