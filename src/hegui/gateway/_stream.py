"""Checking a streamed answer as it grows, sending only text that has passed.

A span the detectors would catch may still be half-written at the end of the text, so the
guard holds back the newest text until a later check (or the end of the answer) has seen it
whole; how much it holds is the release rule below. Checks run every ``check_every_chars`` new
characters, on the unchecked text plus an overlap of already-checked text: ``context_chars``,
and never less than the window, moved back to the start of a word. When the answer is
complete, a last check reads it whole before the rest is released, so a streamed answer is
never judged more leniently than the same answer sent whole (only stopped sooner): the
classifier scores a whole answer's sentences in their own segments, which the short texts of
incremental checks do not always reproduce.

Release comes in two kinds (``settings.release``). In ``window`` release the newest
``window_chars`` characters are always held back. In ``adaptive`` release, text a check allows
goes out at once (the first check runs on the first piece, so the first token waits for one
check, not for the window), except from where it may still be turning into something a check
would stop: a keyword whose first characters have arrived and whose last have not
(:class:`hegui.detect.keywords.PendingKeywords`, an exact prefix test against every entry), or
a trailing run of characters that could be a personal-data value still being written (a phone
number, an ID or card number, an e-mail address; at most ``MAX_VALUE_CHARS``). Text a check
flags without blocking keeps the full window, so a classifier that is unsure holds text back as
in window release. In both kinds release also stops where a keyword may be forming, which
covers entries longer than the window.

Why that is enough: a span of ``n`` characters is first complete at some check; the text checked
before ended less than ``n`` characters into the span, so a check that re-reads at least ``n - 1``
characters of checked text sees the span whole, and none of the span can have been released
before that check: in window release a span no longer than the window was still inside it,
and in both kinds a keyword's arrived part was a prefix of its entry. So the overlap only
needs to cover the longest span a detector looks for (the default does: the longest keyword
entry and the n-gram classifier's segment); re-reading more costs every check. A cut in the
middle of a word could turn its tail into a different word (``skill`` → ``kill``), hence the
move to a word's start.

A classifier judges the text it is given as a whole, and a sentence cut off mid-way can score
higher than the same sentence finished (measured: one safe answer in ten stopped in one setting).
So a block that no evidence span explains (a classifier's, not a keyword's or PII's) on text
ending mid-sentence does not stop the stream at once: release stops where it is and the next
check waits for the sentence to end (at most ``HOLD_MAX_CHARS`` more characters), then reads the
text up to that sentence end. If that text passes, the stream goes on; if it is blocked, or the
sentence does not end in time, the stream stops with nothing of the held text sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hegui.detect import Decision, Verdict
from hegui.detect.classifier import ends_sentence
from hegui.detect.keywords import PendingKeywords
from hegui.gateway._config import StreamSettings

Check = Callable[[str], Awaitable[Verdict]]

MAX_WORD_CHARS = 32
"""How far a check's start moves back to reach the start of a word (a longer run of letters,
a URL say, is cut where the overlap ends)."""
HOLD_MAX_CHARS = 200
"""How far past a classifier's block on an unfinished sentence the guard waits for it to end."""
MAX_VALUE_CHARS = 64
"""The longest personal-data value adaptive release holds back while it may still be growing
(an e-mail address rarely exceeds it; phone, ID and card numbers are far shorter)."""
_TRAILING_VALUE = (
    re.compile(r"[\dA-Za-z._%+@-]+\Z"),  # an e-mail address, ID or card number, or a word
    re.compile(r"\+?\d[\d ()-]*\Z"),  # a number written in groups: 138 0013 8000
)


@dataclass
class StreamStep:
    """What to do after a piece arrived: send ``release``; stop on a ``blocked`` verdict."""

    release: str
    blocked: Verdict | None = None


class StreamGuard:
    """Feeds pieces of a streamed answer through ``check``."""

    def __init__(
        self, settings: StreamSettings, check: Check, pending: PendingKeywords | None = None
    ) -> None:
        """``pending``: the app's keywords, so one that is still arriving is held back (see
        :mod:`hegui.detect.keywords._pending`)."""
        self.settings = settings
        self._check = check
        self._pending = pending
        self._overlap = max(settings.context_chars, settings.window_chars)
        self.text = ""
        self._released = 0
        self._checked = 0
        self._whole_checked = False
        # While a block on an unfinished sentence is held: (text length at the block, where
        # the blocked check's text started; the re-check starts there too).
        self._held: tuple[int, int] | None = None
        self.checks = 0
        self.last_verdict: Verdict | None = None

    @property
    def released_text(self) -> str:
        """What has been sent to the client so far."""
        return self.text[: self._released]

    async def feed(self, piece: str) -> StreamStep:
        """Add ``piece``; check when enough new text has arrived, or when the first text may
        be released (so the first token does not also wait for the interval)."""
        self.text += piece
        if self._held is not None:
            return await self._recheck_held(piece, *self._held)
        due = len(self.text) - self._checked >= self.settings.check_every_chars
        if not (due or self._first_release_due()):
            return StreamStep("")
        return await self._check_and_release(final=False)

    def _first_release_due(self) -> bool:
        """Before anything is released: adaptive release checks every piece; window release
        checks once the text first grows past the window."""
        if self._released > 0:
            return False
        window = self.settings.window_chars
        return self.settings.release == "adaptive" or self._checked <= window < len(self.text)

    async def _recheck_held(self, piece: str, held_at: int, start: int) -> StreamStep:
        """While a classifier's block on an unfinished sentence is held: once a sentence ends
        (or the wait is over), check the text up to that end; release nothing before."""
        waited_out = len(self.text) - held_at >= HOLD_MAX_CHARS
        end = _last_sentence_end(self.text, len(self.text) - len(piece))
        if end is None and not waited_out:
            return StreamStep("")
        self._held = None
        upto = None if waited_out else end
        return await self._check_and_release(False, upto, may_hold=False, start=start)

    async def finish(self) -> StreamStep:
        """The answer is complete: check it whole (unless the last check already read all of
        it) and release the rest."""
        if self._held is None and self._whole_checked and self._checked == len(self.text):
            return StreamStep(self._release_to(len(self.text)))
        return await self._check_and_release(final=True)

    def _check_start(self) -> int:
        """Where the next check's text starts: the overlap before the unchecked text, moved
        back (at most ``MAX_WORD_CHARS``) to just after a space or punctuation mark."""
        start = max(0, self._checked - self._overlap)
        floor = max(0, start - MAX_WORD_CHARS)
        while start > floor and not _separates(self.text[start - 1]):
            start -= 1
        return start

    async def _check_and_release(
        self, final: bool, upto: int | None = None, may_hold: bool = True, start: int | None = None
    ) -> StreamStep:
        """Check the text (up to ``upto``, default all of it) and release what passed; with
        ``may_hold``, a classifier's block on an unfinished sentence is held (module doc)."""
        checked_end = len(self.text) if upto is None else upto
        if start is None:
            start = 0 if final else self._check_start()
        verdict = await self._check(self.text[start:checked_end])
        self._whole_checked = start == 0 and checked_end == len(self.text)
        self.checks += 1
        self.last_verdict = verdict
        self._checked = checked_end
        if verdict.decision is Decision.BLOCK:
            if not final and may_hold and self._unfinished_judgement(verdict):
                self._held = (len(self.text), start)
                return StreamStep("")
            return StreamStep("", verdict)
        if final:
            return StreamStep(self._release_to(len(self.text)))
        return StreamStep(self._release_to(self._release_end(verdict, checked_end)))

    def _release_end(self, verdict: Verdict, checked_end: int) -> int:
        """How far the text may go out after a check of the text up to ``checked_end`` that
        did not block it (module doc). What may be forming is judged on the checked text only:
        a keyword completed by text that arrived after the check is not yet known to be one."""
        adaptive = self.settings.release == "adaptive" and verdict.decision is Decision.ALLOW
        end = checked_end if adaptive else max(0, checked_end - self.settings.window_chars)
        if end <= self._released:
            return end
        checked = self.text[:checked_end]
        holds: list[int | None] = [end]
        if self._pending is not None:
            holds.append(self._pending.hold_from(checked, self._released))
        if adaptive:
            holds.append(_value_start(checked, self._released))
        return min(h for h in holds if h is not None)

    def _unfinished_judgement(self, verdict: Verdict) -> bool:
        """A block no evidence span explains (nor a failed detector), on text that stops
        mid-sentence: worth waiting for the sentence to end."""
        decided_by = verdict.decided_by or ""
        last = len(self.text.rstrip()) - 1
        return (
            not verdict.spans
            and not decided_by.startswith("error:")
            and last >= 0
            and not ends_sentence(self.text, last, complete=False)
        )

    def _release_to(self, end: int) -> str:
        if end <= self._released:
            return ""
        out = self.text[self._released : end]
        self._released = end
        return out


def _separates(char: str) -> bool:
    """Whether ``char`` ends a word: white space, punctuation or a symbol (what keyword
    matching treats as a visible separator)."""
    return char.isspace() or unicodedata.category(char)[0] in "PSZ"


def _value_start(text: str, start: int) -> int | None:
    """Where a trailing personal-data value (or word) that may still be growing begins, at
    most ``MAX_VALUE_CHARS`` back and not before ``start``; None when the text does not end
    in one."""
    floor = max(start, len(text) - MAX_VALUE_CHARS)
    begins = [m.start() for pattern in _TRAILING_VALUE if (m := pattern.search(text, floor))]
    return min(begins, default=None)


def _last_sentence_end(text: str, since: int) -> int | None:
    """The index just after the last sentence end in the text that arrived from ``since`` on,
    if any. Sentences end where the classifier cuts them, so the re-check reads whole the
    sentence it will score; a full stop that ended the text before ``since`` counts now that
    the character after it has arrived."""
    for i in range(len(text) - 1, max(since - 1, 0) - 1, -1):
        if ends_sentence(text, i, complete=False):
            return i + 1
    return None
