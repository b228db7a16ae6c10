"""Turn a (prompt, answer) pair into the sparse feature vector the refusal model scores.

Layout: ``named_features(cues)`` names the first indices (cue groups by position, structure
of the answer, a few interactions); after them come ``2**hash_bits`` buckets of hashed
character n-grams of the answer's head and tail. The layout is recorded with the weights so
a model is only ever scored with the features it was trained on.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass

from hegui.detect.refusal._cues import CueSet, normalize

HEAD_CHARS = 150
TAIL_CHARS = 100
NGRAM_SIZES = (2, 3, 4)
_NEAR = 200

_SENTENCE_END = re.compile(r"[.!?。！？\n]")
_LIST_ITEM = re.compile(
    r"(?m)^\s*(?:\d{1,2}[.)、]|[-*•]\s|#{1,4}\s|step \d"
    r"|第[一二三四五六七八九十\d]+步|[一二三四五六七八九十]+、)"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")

_POSITIONS = ("first", "head", "any", "count")
_STRUCTURE = (
    "len_log",
    "short",
    "list_items",
    "list_after_decline",
    "code",
    "sentences",
    "cjk",
    "decline_pos",
    "after_decline_log",
    "after_decline_frac",
    "apology_first_no_decline",
    "sympathy_first_no_decline",
    "benign_apology_first",
    "compliance_first_no_decline",
    "decline_first_and_alternative",
    "decline_first_and_list",
    "decline_late_only",
    "partial_and_decline",
    "partial_and_list_after_decline",
    "decline_echoes_prompt",
    "substantive_after_decline",
    "substantive_after_decline_any",
)
# Groups whose presence marks a sentence as part of the refusal rather than an answer.
_REFUSAL_TALK = ("decline", "apology", "ai_identity", "alternative", "lecture")


@dataclass(frozen=True, slots=True)
class FeatureLayout:
    """Names of the named features and the number of hash buckets after them."""

    names: tuple[str, ...]
    hash_bits: int

    @property
    def size(self) -> int:
        return len(self.names) + (1 << self.hash_bits)


def named_features(cues: CueSet) -> tuple[str, ...]:
    """The named features for ``cues``, in index order."""
    per_group = tuple(f"{g.name}_{p}" for g in cues.groups for p in _POSITIONS)
    return per_group + _STRUCTURE


def _first_sentence_end(text: str) -> int:
    # Skip a leading list marker or very short fragment ("1." / "Hi!") before looking.
    match = _SENTENCE_END.search(text, 8)
    return min(match.end() if match else len(text), _NEAR)


def featurize(prompt: str, response: str, cues: CueSet, layout: FeatureLayout) -> dict[int, float]:
    """Sparse features of the answer ``response`` to ``prompt`` as ``{index: value}``.

    The prompt matters only where the answer echoes it: a decline cue that the prompt also
    contains ("why can't I log in?") is weaker evidence of a refusal.
    """
    text = normalize(response).strip()
    n = len(text)
    first_end = _first_sentence_end(text)
    feats: dict[int, float] = {}
    hits: dict[str, list[int]] = {}
    index = 0
    for group in cues.groups:
        positions = group.positions(text)
        hits[group.name] = positions
        if positions:
            p0 = positions[0]
            feats[index] = float(p0 < first_end)
            feats[index + 1] = float(p0 < _NEAR)
            feats[index + 2] = 1.0
            feats[index + 3] = math.log1p(len(positions))
        index += len(_POSITIONS)

    def first(name: str) -> bool:
        pos = hits.get(name, [])
        return bool(pos) and pos[0] < first_end

    decline = hits.get("decline", [])
    d0 = decline[0] if decline else n
    list_starts = [m.start() for m in _LIST_ITEM.finditer(text)]
    list_after = sum(1 for s in list_starts if s > d0) if decline else 0
    after = 0
    # Content after the end of the sentence that declines.
    if decline:
        end = _SENTENCE_END.search(text, d0)
        after = n - (end.end() if end else n)
    substantive = _substantive_sentences(text, d0, hits) if decline else 0
    cjk = len(_CJK.findall(text[:300])) / max(min(n, 300), 1)
    structure = {
        "len_log": math.log1p(n) / 8.0,
        "short": float(n < 40),
        "list_items": math.log1p(len(list_starts)),
        "list_after_decline": math.log1p(list_after),
        "code": float("```" in text or "\n    " in text),
        "sentences": math.log1p(len(_SENTENCE_END.findall(text))),
        "cjk": cjk,
        "decline_pos": d0 / n if n else 1.0,
        "after_decline_log": math.log1p(after) / 8.0,
        "after_decline_frac": after / n if n else 0.0,
        "apology_first_no_decline": float(first("apology") and not decline),
        "sympathy_first_no_decline": float(first("sympathy") and not decline),
        "benign_apology_first": float(first("benign_apology")),
        "compliance_first_no_decline": float(first("compliance") and not decline),
        "decline_first_and_alternative": float(first("decline") and bool(hits.get("alternative"))),
        "decline_first_and_list": float(first("decline") and bool(list_starts)),
        "decline_late_only": float(bool(decline) and d0 >= _NEAR),
        "partial_and_decline": float(bool(decline) and bool(hits.get("partial"))),
        "partial_and_list_after_decline": float(bool(hits.get("partial")) and list_after > 0),
        "decline_echoes_prompt": float(bool(decline) and _echoes(cues, normalize(prompt))),
        "substantive_after_decline": math.log1p(substantive),
        "substantive_after_decline_any": float(substantive > 0),
    }
    for name in _STRUCTURE:
        value = structure[name]
        if value:
            feats[index] = value
        index += 1
    _hash_ngrams(text[:HEAD_CHARS], "h", index, layout.hash_bits, feats)
    _hash_ngrams(text[-TAIL_CHARS:], "t", index, layout.hash_bits, feats)
    return feats


def _substantive_sentences(text: str, start: int, hits: dict[str, list[int]]) -> int:
    """Sentences after the one holding ``start`` that carry no refusal talk at all."""
    talk = sorted(p for name in _REFUSAL_TALK for p in hits.get(name, []))
    end = _SENTENCE_END.search(text, start)
    pos = end.end() if end else len(text)
    count = 0
    while pos < len(text):
        stop = _SENTENCE_END.search(text, pos)
        nxt = stop.end() if stop else len(text)
        if len(text[pos:nxt].strip()) > 3 and not any(pos <= p < nxt for p in talk):
            count += 1
        pos = nxt
    return count


def _echoes(cues: CueSet, prompt: str) -> bool:
    return any(g.name == "decline" and g.pattern.search(prompt) for g in cues.groups)


def _hash_ngrams(text: str, prefix: str, offset: int, bits: int, feats: dict[int, float]) -> None:
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
