"""The stream guard's overlap: a span straddling two checks is seen whole before any of it goes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from hegui.detect import Decision, Role, Verdict
from hegui.detect.classifier import NgramClassifier
from hegui.detect.keywords import KeywordLibrary, PendingKeywords
from hegui.gateway._config import StreamSettings
from hegui.gateway._stream import MAX_WORD_CHARS, StreamGuard, StreamStep

FILLER = "天气很好，我们去公园散步。" * 40  # far longer than the overlap
SPAN = "煽动，颠覆国家政权。" * 3 + "推翻"  # 32 characters: as long as the default window


def _verdict(decision: Decision) -> Verdict:
    return Verdict(decision, (), (), None, "test", "1", Role.ANSWER)


def _stream(text: str, settings: StreamSettings) -> tuple[StreamStep, list[tuple[int, str]]]:
    """Feed ``text`` 4 characters at a time through a check that blocks any text holding
    ``SPAN``; returns (what was released, the blocking verdict) and each check's (characters
    fed so far, text checked)."""
    seen: list[tuple[int, str]] = []
    fed = 0

    async def check(checked: str) -> Verdict:
        seen.append((fed, checked))
        return _verdict(Decision.BLOCK if SPAN in checked else Decision.ALLOW)

    async def run() -> StreamStep:
        nonlocal fed
        guard = StreamGuard(settings, check)
        released = ""
        for i in range(0, len(text), 4):
            fed = min(i + 4, len(text))
            step = await guard.feed(text[i:fed])
            if step.blocked is not None:
                return StreamStep(released, step.blocked)
            released += step.release
        last = await guard.finish()
        return StreamStep(released + last.release, last.blocked)

    return asyncio.run(run()), seen


@pytest.mark.parametrize("offset", range(0, 48, 3))
@pytest.mark.parametrize("context_chars", [128, 8])  # below the window, the window is the floor
def test_a_span_straddling_checks_is_caught_before_any_of_it_is_sent(
    offset: int, context_chars: int
) -> None:
    prefix = FILLER[: 500 + offset]
    result, seen = _stream(
        prefix + SPAN + FILLER[:100], StreamSettings(context_chars=context_chars)
    )
    assert result.blocked is not None
    assert len(result.release) <= len(prefix)
    assert max(len(text) for _, text in seen) < 128 + MAX_WORD_CHARS + 2 * 16  # bounded re-reads


def test_the_last_check_reads_the_whole_answer_before_the_window_is_released() -> None:
    text = FILLER[:300]
    result, seen = _stream(text, StreamSettings())
    assert seen[-1] == (len(text), text)
    assert all(len(checked) < len(text) for _, checked in seen[:-1])
    assert result.release == text


def test_checks_start_at_a_word_so_no_word_is_cut_into_another() -> None:
    text = "Skilled workers can kill time in many ways, said the thrillingly skillful man. " * 8
    _, seen = _stream(text, StreamSettings())
    for end, checked in seen:
        start = end - len(checked)
        assert start == 0 or not text[start - 1].isalnum(), checked[:20]


def test_the_default_overlap_covers_the_longest_keyword_and_the_classifier_segment() -> None:
    """A span is seen whole when the overlap is at least its length less one."""
    longest_keyword = max(len(entry.term) for entry in KeywordLibrary.load())
    segment = NgramClassifier().features.chunk
    assert StreamSettings().context_chars >= max(longest_keyword, segment) - 1


def _long_keyword() -> str:
    """A shipped English keyword entry longer than the default window."""
    return next(
        entry.term
        for entry in KeywordLibrary.load()
        if entry.term.isascii() and len(entry.term) > StreamSettings().window_chars + 8
    )


def _stream_words(text: str, phrase: str, pending: PendingKeywords | None) -> StreamStep:
    async def check(checked: str) -> Verdict:
        return _verdict(Decision.BLOCK if phrase in checked else Decision.ALLOW)

    return asyncio.run(_feed_all(StreamGuard(StreamSettings(), check, pending), text))


async def _feed_all(guard: StreamGuard, text: str) -> StreamStep:
    """Feed ``text`` 4 characters at a time: what was released, and the blocking verdict."""
    released = ""
    for i in range(0, len(text), 4):
        step = await guard.feed(text[i : i + 4])
        if step.blocked is not None:
            return StreamStep(released, step.blocked)
        released += step.release
    last = await guard.finish()
    return StreamStep(released + last.release, last.blocked)


def test_a_keyword_longer_than_the_window_is_held_back_while_it_forms() -> None:
    phrase = _long_keyword()
    filler = "The weather is fine and we walk in the park after lunch. " * 10
    pending = PendingKeywords(KeywordLibrary.load().matcher, StreamSettings().window_chars)
    leaked_without = 0
    for offset in range(0, 60, 3):
        prefix = filler[: 300 + offset] + " "
        text = prefix + phrase + ". " + filler[:80]
        guarded = _stream_words(text, phrase, pending)
        assert guarded.blocked is not None
        assert len(guarded.release) <= len(prefix), (offset, guarded.release[len(prefix) :])
        leaked_without += len(_stream_words(text, phrase, None).release) > len(prefix)
    assert leaked_without > 0  # the window alone lets the start of such a keyword out


def test_text_without_long_keywords_is_released_as_usual() -> None:
    pending = PendingKeywords(KeywordLibrary.load().matcher, StreamSettings().window_chars)
    text = "The weather is fine and we walk in the park after lunch. " * 6
    released = _stream_words(text, "no such phrase", pending)
    assert released.release == text
    assert pending.hold_from(text) is None


EN_FILLER = "The weather is fine and we walk in the park after lunch. " * 8
TRIGGER = "kill"
SENTENCE = " Here is how to kill a stuck process: open the task manager and end it."


def _classifier_stream(text: str, judge: Callable[[str], bool]) -> StreamStep:
    """Feed ``text`` 4 characters at a time through a check that blocks, as a classifier does
    (no evidence span), whatever ``judge`` calls unsafe."""

    async def check(checked: str) -> Verdict:
        if judge(checked):
            return Verdict(Decision.BLOCK, (), (), "ngram", "test", "1", Role.ANSWER)
        return _verdict(Decision.ALLOW)

    return asyncio.run(_feed_all(StreamGuard(StreamSettings(), check), text))


def _unfinished_after_trigger(checked: str) -> bool:
    """Scores the trigger high only while its sentence is unfinished (what was measured)."""
    at = checked.rfind(TRIGGER)
    return at >= 0 and not any(mark in checked[at:] for mark in ".!?")


@pytest.mark.parametrize("offset", range(0, 24, 3))
def test_a_classifier_block_on_an_unfinished_sentence_waits_for_the_sentence_to_end(
    offset: int,
) -> None:
    text = EN_FILLER[: 200 + offset] + SENTENCE + " " + EN_FILLER[:120]
    result = _classifier_stream(text, _unfinished_after_trigger)
    assert result.blocked is None
    assert result.release == text


@pytest.mark.parametrize("offset", range(0, 24, 3))
def test_a_classifier_block_that_stands_when_the_sentence_ends_stops_the_stream(
    offset: int,
) -> None:
    prefix = EN_FILLER[: 200 + offset]
    result = _classifier_stream(prefix + SENTENCE + " " + EN_FILLER[:120], lambda t: TRIGGER in t)
    assert result.blocked is not None
    assert TRIGGER not in result.release
    assert len(result.release) <= len(prefix) + len(SENTENCE)


DECIMAL_SENTENCE = " To kill the old daemon, stop version 3.14 first and start the new one."


def _blocks_until_the_sentence_is_whole(checked: str) -> bool:
    """Scores the trigger high until its whole sentence is in the checked text."""
    at = checked.rfind(TRIGGER)
    return at >= 0 and "the new one." not in checked[at:]


@pytest.mark.parametrize("offset", range(0, 24, 3))
def test_a_decimal_point_does_not_end_the_held_sentence(offset: int) -> None:
    # "3.14" is not a sentence end for the classifier, so the re-check must not stop there.
    text = EN_FILLER[: 200 + offset] + DECIMAL_SENTENCE + " " + EN_FILLER[:120]
    result = _classifier_stream(text, _blocks_until_the_sentence_is_whole)
    assert result.blocked is None
    assert result.release == text


def test_a_stream_that_ends_while_a_block_is_held_is_blocked() -> None:
    result = _classifier_stream(EN_FILLER[:200] + " and then kill it", _unfinished_after_trigger)
    assert result.blocked is not None
    assert TRIGGER not in result.release


def test_a_sentence_that_never_ends_is_blocked_after_the_longest_wait() -> None:
    text = EN_FILLER[:200] + " kill" + " and so on" * 40
    result = _classifier_stream(text, _unfinished_after_trigger)
    assert result.blocked is not None
    assert TRIGGER not in result.release
