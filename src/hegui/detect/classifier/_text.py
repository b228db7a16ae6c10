"""Text preparation shared by training and inference: normalisation and scoring segments."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import ahocorasick_rs
import opencc

from hegui.detect._opencc import opencc_table

_SPACE = re.compile(r"\s+")
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")


@dataclass(frozen=True)
class _TraditionalToSimplified:
    """OpenCC's ``t2s`` conversion, made fast for the common case without changing its output.

    OpenCC (pure Python) walks a parse tree for every string. Its ``t2s`` chain is one group of
    two dictionaries: phrases, then single characters. When no phrase of the group occurs in a
    text, every match is a single character, so a ``str.translate`` with each character's first
    candidate gives exactly OpenCC's result; texts holding a phrase still go through OpenCC.
    """

    characters: dict[int, str]
    phrases: ahocorasick_rs.AhoCorasick
    converter: opencc.OpenCC

    def convert(self, text: str) -> str:
        if self.phrases.find_matches_as_indexes(text):
            return str(self.converter.convert(text))
        return text.translate(self.characters)


@functools.cache
def _t2s() -> _TraditionalToSimplified:
    characters = {ord(k): v for k, v in opencc_table("TSCharacters.txt").items() if len(k) == 1}
    phrases = [k for k in opencc_table("TSPhrases.txt") if len(k) > 1]
    return _TraditionalToSimplified(
        characters, ahocorasick_rs.AhoCorasick(phrases), opencc.OpenCC("t2s")
    )


def normalise(text: str) -> str:
    """Fold ``text`` to the form the heads are trained on.

    NFKC (full-width to half-width), lower case, zero-width characters removed, runs of
    whitespace collapsed to one space, traditional Chinese converted to simplified. The result
    is what split hashing and n-gram features see; it is never shown to a user.
    """
    folded = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text)).lower()
    folded = _SPACE.sub(" ", folded).strip()
    if not folded.isascii():
        folded = _t2s().convert(folded)
    return folded


SENTENCE_MARKS = "。！？!?；;\n"
"""Marks that end a sentence wherever they stand; a full stop ends one only before white space
or the end of the text (the one in "3.14" does not)."""
_SENTENCE = re.compile(
    rf"(?:[^{SENTENCE_MARKS}.]|\.(?!\s|$))*(?:[{SENTENCE_MARKS}]+\s*|\.+(?:\s+|$)|$)"
)


def ends_sentence(text: str, i: int, complete: bool = True) -> bool:
    """Whether ``text[i]`` ends a sentence where :func:`segments` cuts one. In a text still
    growing (not ``complete``) a full stop at its very end is not known to end one yet."""
    char = text[i]
    if char in SENTENCE_MARKS:
        return True
    if char != ".":
        return False
    return text[i + 1].isspace() if i + 1 < len(text) else complete


MIN_SENTENCE = 8
"""Shortest sentence of a long text that is also scored on its own."""


def segments(text: str, whole: int, chunk: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of ``text`` a classifier scores; the highest score wins.

    A text of at most ``whole`` characters is one segment. A longer text is cut into
    sentences (at 。！？!?；;, line breaks, and a full stop before a space); the segments are
    chunks of at most ``chunk`` characters packed greedily from consecutive sentences, each
    starting with the last sentence of the one before, plus every sentence of at least
    ``MIN_SENTENCE`` characters on its own — so a harmful sentence in a long benign text is
    also scored without context to dilute it. A sentence longer than ``chunk`` is cut into
    ``chunk``-character pieces overlapping by half. The total length scored is at most about
    three times the text's, so cost grows linearly.
    """
    if chunk < 2 or whole < chunk:
        raise ValueError("need 2 <= chunk <= whole")
    if len(text) <= whole:
        return [(0, len(text))]
    pieces: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        a, b = match.span()
        if b == a:
            continue
        while b - a > chunk:
            pieces.append((a, a + chunk))
            a += chunk // 2
        pieces.append((a, b))
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(pieces):
        j = i
        while j + 1 < len(pieces) and pieces[j + 1][1] - pieces[i][0] <= chunk:
            j += 1
        spans.append((pieces[i][0], pieces[j][1]))
        if j + 1 >= len(pieces):
            break
        i = j if j > i else j + 1
    chunks = set(spans)
    spans += [p for p in pieces if p[1] - p[0] >= MIN_SENTENCE and p not in chunks]
    return spans


_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]+")
CJK_SHARE = 0.3
"""A text is ``"cjk"`` when at least this share of its CJK and Latin letters are CJK."""


def script_of(text: str) -> str:
    """``"cjk"`` for mostly-Chinese text, ``"other"`` for the rest (two C-speed scans)."""
    cjk = len(text) - len(_CJK.sub("", text))
    latin = len(text) - len(_LATIN.sub("", text))
    return "cjk" if cjk and cjk >= CJK_SHARE * (cjk + latin) else "other"
