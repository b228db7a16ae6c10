"""Text helpers shared by the answer and sentence features of the refusal judge."""

from __future__ import annotations

import json
import math
import re
import zlib

from hegui.detect.refusal._cues import normalize

NGRAM_SIZES = (2, 3, 4)
LANGUAGES = ("en", "zh")
"""The languages the answer model has a logistic part of its own for, in weights-file order."""
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
SENTENCE_END = re.compile(r"[.!?。！？\n]")
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?]+(?=\s|$)|[。！？]+|\n|$)")
_MARKER = re.compile(r"\W*\d{0,2}\W*")
# Quoted text and code are content, not the answer's own voice ("say: 'I can't lend you
# money'"): cues inside them are not matched. Single quotes are left alone (apostrophes).
_QUOTED = re.compile(
    r'"[^"\n]{1,300}"|「[^」]{1,300}」|『[^』]{1,300}』|```.*?(?:```|$)|`[^`\n]+`', re.S
)


# A JSON object or array that starts a line: an answer in the format the prompt asked for.
_JSON_START = re.compile(r"^[ \t]*[{\[]", re.M)
_JSON = json.JSONDecoder()
# JSON structure that separates one field or item from the next: each becomes a line break.
_JSON_BREAKS = frozenset("{}[],")
# Escapes kept in the own-voice text: a quote, so that text quoted inside a value is blanked
# as elsewhere, and a line break; every other escape is blanked.
_KEPT_ESCAPES = {'"': ' "', "n": " \n"}


def pair_language(prompt: str, response: str) -> int:
    """The index in ``LANGUAGES`` of the pair's language, read from its text: Chinese when its
    Han characters are at least as many as its Latin words. Counted over prompt and answer
    together, a Chinese request for Python code stays Chinese (the label of 99.8 % of the
    25,826 training pairs; the rest are mostly answers written in English)."""
    text = f"{prompt}\n{response}"
    han = len(_HAN.findall(text))
    chinese = han > 0 and han >= len(_LATIN_WORD.findall(text))
    return LANGUAGES.index("zh" if chinese else "en")


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def voice(response: str) -> tuple[str, str]:
    """The normalised answer, and the same text with quoted spans and code blanked out.

    A JSON object or array that starts a line is the answer's own voice, not a quotation:
    its string values and keys are kept, each field on a line of its own (``"reason":
    "not provided",`` reads as `` reason :  not provided \n``), and text quoted inside a
    value is blanked as elsewhere; a code fence around it is blanked. Both strings have the
    same length, so offsets found in one hold in the other.
    """
    text = normalize(response).strip()
    spans = _json_spans(text)
    masked = text
    for start, end in spans:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    own = _QUOTED.sub(_blank, masked)
    for start, end in spans:
        own = own[:start] + _QUOTED.sub(_blank, _json_own(text[start:end])) + own[end:]
    return text, own


def _json_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the JSON objects and arrays holding a string that start a line of ``text``."""
    spans: list[tuple[int, int]] = []
    for match in _JSON_START.finditer(text):
        start = match.end() - 1
        if spans and start < spans[-1][1]:
            continue
        try:
            end = _JSON.raw_decode(text, start)[1]
        except (ValueError, RecursionError):  # not JSON, or nested too deep to be an answer
            continue
        if '"' in text[start:end]:
            spans.append((start, end))
    return spans


def _json_own(span: str) -> str:
    """``span``, valid JSON, with its string delimiters and escapes blanked (but see
    ``_KEPT_ESCAPES``) and the structure between fields turned into line breaks."""
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(span):
        char = span[i]
        if in_string and char == "\\":
            code = span[i + 1]
            width = 6 if code == "u" else 2  # \uXXXX
            out.append(_KEPT_ESCAPES.get(code, " " * width))
            i += width
            continue
        if char == '"':
            in_string = not in_string
            out.append(" ")
        elif not in_string and char in _JSON_BREAKS:
            out.append("\n")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def sentence_end(text: str, start: int) -> int:
    """Offset just after the sentence that contains offset ``start``."""
    end = SENTENCE_END.search(text, start)
    return end.end() if end else len(text)


def sentences(own: str) -> list[str]:
    """The sentences of ``own``, the answer's own-voice text, whitespace collapsed.

    A sentence ends at . ! ? before a space or the end, at 。！？ or at a line break; a bare
    list marker ("1.", "-") joins the sentence after it.
    """
    found = []
    carry = ""
    for piece in _SENTENCE.findall(own):
        piece = " ".join(f"{carry} {piece}".split())
        if _MARKER.fullmatch(piece):
            carry = piece
            continue
        carry = ""
        if len(piece) > 1:
            found.append(piece)
    return found


def hash_ngrams(text: str, prefix: str, offset: int, bits: int, feats: dict[int, float]) -> None:
    """Add the L2-normalised counts of ``text``'s character n-grams to ``feats``."""
    mask = (1 << bits) - 1
    counts: dict[int, float] = {}
    for size in NGRAM_SIZES:
        for i in range(len(text) - size + 1):
            key = offset + (zlib.crc32(f"{prefix}{size}{text[i : i + size]}".encode()) & mask)
            counts[key] = counts.get(key, 0.0) + 1.0
    if not counts:
        return
    norm = 1.0 / math.sqrt(sum(v * v for v in counts.values()))
    for key, value in counts.items():
        feats[key] = feats.get(key, 0.0) + value * norm
