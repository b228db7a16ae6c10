"""Text helpers shared by the answer and sentence features of the refusal judge."""

from __future__ import annotations

import math
import re
import zlib

from hegui.detect.refusal._cues import normalize

NGRAM_SIZES = (2, 3, 4)
SENTENCE_END = re.compile(r"[.!?。！？\n]")
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?]+(?=\s|$)|[。！？]+|\n|$)")
_MARKER = re.compile(r"\W*\d{0,2}\W*")
# Quoted text and code are content, not the answer's own voice ("say: 'I can't lend you
# money'"): cues inside them are not matched. Single quotes are left alone (apostrophes).
_QUOTED = re.compile(
    r'"[^"\n]{1,300}"|「[^」]{1,300}」|『[^』]{1,300}』|```.*?(?:```|$)|`[^`\n]+`', re.S
)


def voice(response: str) -> tuple[str, str]:
    """The normalised answer, and the same text with quoted spans and code blanked out.

    Both strings have the same length, so offsets found in one hold in the other.
    """
    text = normalize(response).strip()
    return text, _QUOTED.sub(lambda m: " " * len(m.group()), text)


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
