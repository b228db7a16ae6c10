"""Evasion-resistant normalisation of text for keyword matching, with a map back to the original.

The normalised form is what keywords are matched against; keywords themselves go through the
same function, so every rule here applies to both sides. Rules, in order, per character:

1. **Fold** (a 1:1 lookup table over all code points, built once):
   NFKC where it yields one character (full-width → half-width, compatibility forms such as
   ``①`` or mathematical bold letters), case folding where it yields one character, Latin letters
   with diacritics → base letter (``ö`` → ``o``), traditional → simplified Chinese (first
   candidate of OpenCC's ``TSCharacters.txt`` from the installed ``opencc-python-reimplemented``),
   Cyrillic and Greek look-alikes → Latin (``а`` → ``a``, ``ο`` → ``o``; see ``_HOMOGLYPHS``).
   Lone surrogates (possible in a Python ``str``) become U+FFFD, which step 2 removes.
2. **Remove** invisible characters (zero-width space/joiners, word joiner, BOM, soft hyphen,
   bidi controls, other format characters, combining marks, variation selectors, tags) and
   visible separators (whitespace, punctuation, symbols — ASCII and full-width alike).
3. **Leet digits** ``0 1 3 4 5 7`` → ``o i e a s t``, but only where the digit touches an ASCII
   letter with no visible separator between them (``b0mb``, ``k1ll``, ``h4te``); free-standing
   numbers (``1337``, ``2024``, ``b 0``) are left alone so ordinary numbers do not turn into
   words. A spelled-out leet form (``b-0-m-b``) is therefore not folded: a double evasion the
   classifier tier is left to judge.

``NormalizedText.offsets[i]`` is the index in the original text of normalised character ``i``;
:meth:`NormalizedText.original_span` turns a normalised ``[start, end)`` into original offsets.
Everything is vectorised with numpy over code points; no per-character Python loop runs per call.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hegui.detect._opencc import opencc_table

_MAX_CODE_POINT = 0x110000
# Planes 0-2 hold every character NFKC, case folding or OpenCC change; plane 14 holds tags and
# variation selectors (removed as invisible). Other planes pass through unchanged.
_TABLE_RANGES = (range(0, 0x30000), range(0xE0000, 0xE1000))

KEEP = 0
INVISIBLE = 1
SEPARATOR = 2

_VISIBLE_CONTROLS = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x1f\x85")

# Look-alikes that survive NFKC + case folding. Only letters a Latin reader would mistake for
# Latin: the point is "bоmb" with a Cyrillic о. Genuine Russian/Greek text is folded too; hegui
# ships no Russian/Greek keywords, so the only effect there is on Latin keywords, and those
# still need word boundaries (see ``_detector``).
_HOMOGLYPHS = {
    # Cyrillic (lower case; upper case is folded to these first)
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "ѕ": "s",
    "т": "t", "у": "y", "х": "x", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ь": "b", "г": "r",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ς": "c", "μ": "m",
}  # fmt: skip

_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"}
LEET_DIGITS = frozenset(_LEET)
"""Digits that become letters where they touch an ASCII letter (rule 3)."""


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text after :func:`normalize`, with the way back to the original.

    ``offsets[i]`` is the original index of ``text[i]``. ``gaps[i]`` counts the *visible*
    separators removed between ``text[i]`` and ``text[i + 1]`` (invisible characters are not
    counted), so callers can tell "b-o-m-b" (gaps) from "bo\u200bmb" (no gap).
    """

    original: str
    text: str
    offsets: npt.NDArray[np.int64]
    gaps: npt.NDArray[np.int64]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` of the normalised ``[start, end)`` (``end > start``)."""
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1


@dataclass(frozen=True, slots=True)
class _Tables:
    fold: npt.NDArray[np.uint32]
    kind: npt.NDArray[np.uint8]  # indexed by *folded* code point
    leet: npt.NDArray[np.uint32]


def _traditional_to_simplified() -> dict[str, str]:
    """OpenCC's single-character table (first candidates that are one character)."""
    table = opencc_table("TSCharacters.txt")
    return {k: v for k, v in table.items() if len(k) == 1 and len(v) == 1}


def _fold_char(char: str, ts: dict[str, str]) -> str:
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:
        folded = char
    lowered = folded.casefold()
    if len(lowered) == 1:
        folded = lowered
    if not folded.isascii():
        base = unicodedata.normalize("NFD", folded)
        if len(base) > 1 and base[0].isascii() and base[0].isalpha():
            folded = base[0]
    folded = ts.get(folded, folded)
    return _HOMOGLYPHS.get(folded, folded)


def _kind(char: str) -> int:
    if char in _VISIBLE_CONTROLS or char.isspace():
        return SEPARATOR
    category = unicodedata.category(char)
    if category in ("Cf", "Mn", "Me") or category == "Cc":
        return INVISIBLE
    if category[0] in "PSZ":
        return SEPARATOR
    return KEEP


@functools.cache
def _tables() -> _Tables:
    """Build the per-code-point lookup tables once per process (~0.3 s)."""
    ts = _traditional_to_simplified()
    fold = np.arange(_MAX_CODE_POINT, dtype=np.uint32)
    kind = np.zeros(_MAX_CODE_POINT, dtype=np.uint8)
    # Lone surrogates (possible in a Python str, not in UTF-8) become U+FFFD, a separator.
    fold[0xD800:0xE000] = 0xFFFD
    for block in _TABLE_RANGES:
        for code in block:
            if 0xD800 <= code <= 0xDFFF:
                continue
            char = chr(code)
            folded = _fold_char(char, ts)
            if folded != char:
                fold[code] = ord(folded)
            kind[code] = _kind(char)
    leet = np.arange(128, dtype=np.uint32)
    for digit, letter in _LEET.items():
        leet[ord(digit)] = ord(letter)
    return _Tables(fold=fold, kind=kind, leet=leet)


def _code_points(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _apply_leet(
    stripped: npt.NDArray[np.uint32],
    gaps: npt.NDArray[np.int64],
    leet: npt.NDArray[np.uint32],
) -> None:
    """In place: leet digits that touch an ASCII letter (no separator between) become letters."""
    is_leet = (stripped < 128) & (leet[np.minimum(stripped, 127)] != stripped)
    if not is_leet.any():
        return
    is_letter = (stripped >= 0x61) & (stripped <= 0x7A)
    joined = gaps == 0
    touches = np.zeros_like(is_letter)
    touches[1:] |= is_letter[:-1] & joined
    touches[:-1] |= is_letter[1:] & joined
    chosen = is_leet & touches
    if chosen.any():
        stripped[chosen] = leet[stripped[chosen]]


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` for keyword matching; see the module docstring for the rules."""
    tables = _tables()
    codes = _code_points(text)
    folded = tables.fold[codes]
    kind = tables.kind[folded]
    keep = kind == KEEP
    offsets = np.flatnonzero(keep)
    stripped = folded[offsets]
    if len(offsets) > 1:
        visible = np.concatenate(([0], np.cumsum(kind == SEPARATOR, dtype=np.int64)))
        gaps = visible[offsets[1:]] - visible[offsets[:-1] + 1]
    else:
        gaps = np.zeros(0, dtype=np.int64)
    _apply_leet(stripped, gaps, tables.leet)
    normalised = stripped.tobytes().decode("utf-32-le")
    return NormalizedText(
        original=text, text=normalised, offsets=offsets.astype(np.int64), gaps=gaps
    )


def pieces(normalised: NormalizedText, start: int, end: int) -> tuple[str, ...]:
    """The normalised ``[start, end)`` split where visible separators were removed."""
    cuts = np.flatnonzero(normalised.gaps[start : end - 1] > 0) + start + 1
    bounds = [start, *cuts.tolist(), end]
    return tuple(normalised.text[a:b] for a, b in itertools.pairwise(bounds))


def normalize_terms(terms: Sequence[str]) -> list[tuple[str, ...]]:
    """Each keyword's normalised words (``"".join`` of them is the matched string).

    Equivalent to calling :func:`normalize` on every term and splitting it with
    :func:`pieces`, but done in one vectorised pass over the terms joined by newlines (a
    separator, so nothing carries across terms). Terms must not contain a newline.
    """
    if not terms:
        return []
    joined = normalize("\n".join(terms))
    if not joined.text:
        return [() for _ in terms]
    starts = np.cumsum([0, *(len(term) + 1 for term in terms[:-1])])
    # The newline between two terms is a visible separator, so every term boundary is a cut.
    cuts = [0, *(np.flatnonzero(joined.gaps > 0) + 1).tolist(), len(joined.text)]
    words = [joined.text[a:b] for a, b in itertools.pairwise(cuts)]
    owner = np.searchsorted(starts, joined.offsets[cuts[:-1]], side="right") - 1
    bounds = np.searchsorted(owner, np.arange(len(terms) + 1), side="left").tolist()
    return [tuple(words[a:b]) for a, b in itertools.pairwise(bounds)]
