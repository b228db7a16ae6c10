"""Where a keyword may be half-written at the end of a growing text (a streamed answer).

A stream guard releases text up to ``window`` characters behind the newest one, after a check.
A keyword whose occurrence fits in the window is whole in some checked text before any of it is
released. A longer occurrence is not: its first characters could go out before its last one
arrives. Long occurrences come from long entries, and from shorter ones spread out by spaces
or evasion separators, so every entry longer than half the window counts: its first
``window // 2`` normalised characters (its *head*) mark where it may begin. A head that occurs
with fewer characters after it than its entry needs is a keyword that may still be forming,
and the stream holds back from its start until the rest arrives (and the next check sees the
keyword whole) or the text has moved past it.
"""

from __future__ import annotations

import ahocorasick_rs

from hegui.detect.keywords._matcher import Matcher
from hegui.detect.keywords._normalize import normalize


class PendingKeywords:
    """Finds possibly unfinished long keywords in the tail of a text."""

    def __init__(self, matcher: Matcher, window: int) -> None:
        self.head_chars = max(1, window // 2)
        longest: dict[str, int] = {}
        for pattern in matcher.patterns():
            if len(pattern) > self.head_chars:
                head = pattern[: self.head_chars]
                longest[head] = max(longest.get(head, 0), len(pattern))
        self._lengths = list(longest.values())
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                list(longest), implementation=ahocorasick_rs.Implementation.ContiguousNFA
            )
            if longest
            else None
        )

    def hold_from(self, text: str, start: int = 0) -> int | None:
        """The earliest index ``>= start`` of ``text`` where an entry longer than the head may
        have begun without having fully arrived; None when there is none."""
        if self._automaton is None or start >= len(text):
            return None
        tail = normalize(text[start:])
        found = self._automaton.find_matches_as_indexes(tail.text, overlapping=True)
        earliest: int | None = None
        for index, head_start, _ in found:
            if len(tail.text) - head_start < self._lengths[index]:
                begins = start + int(tail.offsets[head_start])
                earliest = begins if earliest is None else min(earliest, begins)
        return earliest
