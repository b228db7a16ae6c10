"""Aho–Corasick matching of normalised keywords, with hits validated and mapped to the original.

Chinese (and other non-Latin) keywords hit anywhere in the normalised text. A keyword that
starts or ends with an ASCII letter or digit ("Latin") must start and end at word boundaries:
the neighbouring normalised character is not an ASCII letter/digit, or a visible separator lies
between (``skill`` and ``therapist`` do not hit ``kill`` and ``rapist``). When visible separators
were removed inside a Latin hit, the pieces of the original must spell the keyword's words,
each piece either a whole word or a run of single characters (``kill  someone``, ``b-o-m-b``,
``b o m b``), so words that merely run together once spaces are gone (``rap is t``) do not hit.
Any hit spanning more than ``MAX_GAP`` visible separators between two characters is dropped.

The engine is ``ahocorasick_rs`` with its contiguous NFA (chosen by ``bench/keywords_engine.py``:
fastest on Chinese text and ~10x smaller than its DFA), run with overlapping matching so nested
keywords (炸药 and 炸药配方) are all reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick_rs
import numpy as np

from hegui.detect.keywords._normalize import NormalizedText, pieces

MAX_GAP = 3
"""Most visible separators allowed between two characters of one hit (炸...药 hits, a sentence
ending in 炸 and the next starting with 药 after a long break does not)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One keyword occurrence: original ``[start, end)``, its label and weight."""

    start: int
    end: int
    label: str
    weight: float


@dataclass(slots=True)
class _Pattern:
    labels: dict[str, float] = field(default_factory=dict)
    words: set[tuple[str, ...]] = field(default_factory=set)
    word_start: bool = False
    word_end: bool = False
    latin: bool = False


def _is_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _spells(parts: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """Whether ``parts`` spell ``words``: each word is one piece or a run of 1-char parts."""
    i = 0
    for word in words:
        if i < len(parts) and parts[i] == word:
            i += 1
            continue
        spelled = ""
        while i < len(parts) and len(parts[i]) == 1 and len(spelled) < len(word):
            spelled += parts[i]
            i += 1
        if spelled != word:
            return False
    return i == len(parts)


class Matcher:
    """An Aho–Corasick automaton over normalised keywords, built once from the entries."""

    def __init__(self, entries: Iterable[tuple[tuple[str, ...], str, float]]) -> None:
        """``entries`` are ``(words, label, weight)`` with ``words`` from ``normalize_terms``
        (not empty)."""
        patterns: dict[str, _Pattern] = {}
        for words, label, weight in entries:
            pattern = patterns.setdefault("".join(words), _Pattern())
            pattern.labels[label] = max(weight, pattern.labels.get(label, 0.0))
            pattern.words.add(words)
        for text, pattern in patterns.items():
            pattern.word_start = _is_word(text[0])
            pattern.word_end = _is_word(text[-1])
            pattern.latin = any(char.isascii() and char.isalpha() for char in text)
        self._texts = list(patterns)
        self._patterns = list(patterns.values())
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                self._texts,
                matchkind=ahocorasick_rs.MatchKind.Standard,
                implementation=ahocorasick_rs.Implementation.ContiguousNFA,
            )
            if self._texts
            else None
        )

    def __len__(self) -> int:
        """Number of distinct normalised patterns."""
        return len(self._texts)

    def patterns(self) -> tuple[str, ...]:
        """The distinct normalised patterns (a keyword's words joined, as matched)."""
        return tuple(self._texts)

    def find(self, normalised: NormalizedText) -> list[Hit]:
        """Every valid keyword hit in ``normalised``, ordered by original start."""
        if self._automaton is None or not normalised.text:
            return []
        found = self._automaton.find_matches_as_indexes(normalised.text, overlapping=True)
        if not found:
            return []
        # Separators removed after each character, as bytes (counts above 255 clipped: only
        # "any" and "more than MAX_GAP" matter): per-hit slices of bytes are cheaper than
        # whole-text numpy passes for the few hits of a short text.
        gap_bytes = np.minimum(normalised.gaps, 255).astype(np.uint8).tobytes()
        text = normalised.text
        hits: list[Hit] = []
        for index, start, end in found:
            between = gap_bytes[start : end - 1]
            if between and max(between) > MAX_GAP:
                continue  # the hit spans more separators than a keyword may
            gapped = any(between)
            pattern = self._patterns[index]
            if (
                pattern.word_start
                and start > 0
                and gap_bytes[start - 1] == 0
                and _is_word(text[start - 1])
            ):
                continue
            if (
                pattern.word_end
                and end < len(text)
                and gap_bytes[end - 1] == 0
                and _is_word(text[end])
            ):
                continue
            if (
                gapped
                and pattern.latin
                and not any(_spells(pieces(normalised, start, end), w) for w in pattern.words)
            ):
                continue
            first, stop = normalised.original_span(start, end)
            hits.extend(Hit(first, stop, label, w) for label, w in pattern.labels.items())
        hits.sort(key=lambda hit: (hit.start, hit.end, hit.label))
        return hits
