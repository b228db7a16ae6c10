"""Where a keyword may be half-written at the end of a growing text (a streamed answer).

A stream guard releases checked text, but a keyword whose first characters are checked and
whose last ones have not arrived yet is invisible to the check: nothing has matched. So the
guard asks where such a keyword may begin and releases nothing from there on. A keyword may
be forming from position ``i`` when the normalised text from ``i`` to the end is a prefix of
some normalised entry: matching is done on normalised text (separators and invisible
characters removed, look-alikes folded), so the same holds for a keyword spread out by spaces
or evasion separators, written in full-width or traditional characters. The test is exact: the
text is held only where it really continues an entry, not wherever a long entry's first
characters appear.

Normalisation is per character except for leet digits, which become letters only where they
touch a letter (``b0mb``): a digit at the very end may still turn into a letter when the next
character arrives, so a trailing run of leet digits is held as well, and the prefix test reads
the text before it.
"""

from __future__ import annotations

import bisect

from hegui.detect.keywords._matcher import Matcher
from hegui.detect.keywords._normalize import LEET_DIGITS, normalize


class PendingKeywords:
    """Finds keywords that may still be arriving at the end of a text."""

    def __init__(self, matcher: Matcher) -> None:
        self._sorted = sorted(matcher.patterns())
        self._longest = max((len(p) for p in self._sorted), default=0)

    def hold_from(self, text: str, start: int = 0) -> int | None:
        """The earliest index ``>= start`` of ``text`` where an entry may have begun without
        having fully arrived (or a trailing leet digit may still change); None when there is
        none."""
        end = len(text)
        while end > start and text[end - 1] in LEET_DIGITS:
            end -= 1
        unsettled = end if end < len(text) else None
        if end <= start or not self._sorted:
            return unsettled
        tail = normalize(text[start:end])
        normalised = tail.text
        for i in range(max(0, len(normalised) - self._longest), len(normalised)):
            if self._begins_entry(normalised[i:]):
                return start + int(tail.offsets[i])
        return unsettled

    def _begins_entry(self, text: str) -> bool:
        """Whether ``text`` is the start of (or all of) some normalised entry."""
        at = bisect.bisect_left(self._sorted, text)
        return at < len(self._sorted) and self._sorted[at].startswith(text)
