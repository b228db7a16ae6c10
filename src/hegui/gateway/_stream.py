"""Checking a streamed answer as it grows, sending only text that has passed.

The guard keeps the last ``window_chars`` characters of the answer held back: a span the
detectors would catch may still be half-written at the end of the text, so nothing within the
window of the newest character is released until a later check (or the end of the answer) has
seen it whole. Checks run every ``check_every_chars`` new characters, on the unchecked text plus
``context_chars`` of what came before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hegui.detect import Decision, Verdict
from hegui.gateway._config import StreamSettings

Check = Callable[[str], Awaitable[Verdict]]


@dataclass
class StreamStep:
    """What to do after a piece arrived: send ``release``; stop on a ``blocked`` verdict."""

    release: str
    blocked: Verdict | None = None


class StreamGuard:
    """Feeds pieces of a streamed answer through ``check``."""

    def __init__(self, settings: StreamSettings, check: Check) -> None:
        self.settings = settings
        self._check = check
        self.text = ""
        self._released = 0
        self._checked = 0
        self.checks = 0
        self.last_verdict: Verdict | None = None

    @property
    def released_text(self) -> str:
        """What has been sent to the client so far."""
        return self.text[: self._released]

    async def feed(self, piece: str) -> StreamStep:
        """Add ``piece``; check when enough new text has arrived, or when the text first grows
        past the window (so the first token waits for the window, not also for the interval)."""
        self.text += piece
        due = len(self.text) - self._checked >= self.settings.check_every_chars
        window = self.settings.window_chars
        first_release = self._released == 0 and self._checked <= window < len(self.text)
        if not (due or first_release):
            return StreamStep("")
        return await self._check_and_release(final=False)

    async def finish(self) -> StreamStep:
        """The answer is complete: check what is unchecked and release the rest."""
        if self._checked == len(self.text) and self.last_verdict is not None:
            return StreamStep(self._release_to(len(self.text)))
        return await self._check_and_release(final=True)

    async def _check_and_release(self, final: bool) -> StreamStep:
        start = max(0, self._checked - self.settings.context_chars)
        verdict = await self._check(self.text[start:])
        self.checks += 1
        self.last_verdict = verdict
        self._checked = len(self.text)
        if verdict.decision is Decision.BLOCK:
            return StreamStep("", verdict)
        end = len(self.text) if final else max(0, len(self.text) - self.settings.window_chars)
        return StreamStep(self._release_to(end))

    def _release_to(self, end: int) -> str:
        if end <= self._released:
            return ""
        out = self.text[self._released : end]
        self._released = end
        return out
