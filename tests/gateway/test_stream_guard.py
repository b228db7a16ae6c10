"""The stream guard: a span straddling two checks is seen whole before any of it goes, in window
and in adaptive release; adaptive release sends allowed text at once."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable

import pytest

from hegui.detect import Decision, Detector, Role, Verdict
from hegui.detect.classifier import NgramClassifier
from hegui.detect.keywords import KeywordDetector, KeywordLibrary, PendingKeywords
from hegui.detect.pii import PiiDetector
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
    # SPAN is no keyword entry, so only the window holds it back: window release.
    prefix = FILLER[: 500 + offset]
    settings = StreamSettings(release="window", context_chars=context_chars)
    result, seen = _stream(prefix + SPAN + FILLER[:100], settings)
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


def _stream_words(
    text: str, phrase: str, pending: PendingKeywords | None, release: str
) -> StreamStep:
    async def check(checked: str) -> Verdict:
        return _verdict(Decision.BLOCK if phrase in checked else Decision.ALLOW)

    settings = StreamSettings.model_validate({"release": release})
    return asyncio.run(_feed_all(StreamGuard(settings, check, pending), text))


async def _feed_all(guard: StreamGuard, text: str, piece: int = 4) -> StreamStep:
    """Feed ``text`` ``piece`` characters at a time: what was released, and the blocking
    verdict."""
    released = ""
    for i in range(0, len(text), piece):
        step = await guard.feed(text[i : i + piece])
        if step.blocked is not None:
            return StreamStep(released, step.blocked)
        released += step.release
    last = await guard.finish()
    return StreamStep(released + last.release, last.blocked)


@pytest.fixture(scope="module")
def pending() -> PendingKeywords:
    return PendingKeywords(KeywordLibrary.load().matcher)


@pytest.mark.parametrize("release", ["window", "adaptive"])
def test_a_keyword_longer_than_the_window_is_held_back_while_it_forms(
    release: str, pending: PendingKeywords
) -> None:
    phrase = _long_keyword()
    filler = "The weather is fine and we walk in the park after lunch. " * 10
    leaked_without = 0
    for offset in range(0, 60, 3):
        prefix = filler[: 300 + offset] + " "
        text = prefix + phrase + ". " + filler[:80]
        guarded = _stream_words(text, phrase, pending, release)
        assert guarded.blocked is not None
        assert len(guarded.release) <= len(prefix), (offset, guarded.release[len(prefix) :])
        leaked_without += len(_stream_words(text, phrase, None, release).release) > len(prefix)
    assert leaked_without > 0  # without the keywords, the start of such a keyword gets out


@pytest.mark.parametrize("release", ["window", "adaptive"])
def test_text_without_keywords_is_released_whole(release: str, pending: PendingKeywords) -> None:
    text = "The weather is fine and we walk in the park after lunch. " * 6
    released = _stream_words(text, "no such phrase", pending, release)
    assert released.blocked is None
    assert released.release == text


RELEASES = ["window", "adaptive"]
EN_FILLER = "The weather is fine and we walk in the park after lunch. " * 8
TRIGGER = "kill"
SENTENCE = " Here is how to kill a stuck process: open the task manager and end it."


def _classifier_stream(text: str, judge: Callable[[str], bool], release: str) -> StreamStep:
    """Feed ``text`` 4 characters at a time through a check that blocks, as a classifier does
    (no evidence span), whatever ``judge`` calls unsafe."""

    async def check(checked: str) -> Verdict:
        if judge(checked):
            return Verdict(Decision.BLOCK, (), (), "ngram", "test", "1", Role.ANSWER)
        return _verdict(Decision.ALLOW)

    settings = StreamSettings.model_validate({"release": release})
    return asyncio.run(_feed_all(StreamGuard(settings, check), text))


def _unfinished_after_trigger(checked: str) -> bool:
    """Scores the trigger high only while its sentence is unfinished (what was measured)."""
    at = checked.rfind(TRIGGER)
    return at >= 0 and not any(mark in checked[at:] for mark in ".!?")


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("offset", range(0, 24, 3))
def test_a_classifier_block_on_an_unfinished_sentence_waits_for_the_sentence_to_end(
    offset: int,
    release: str,
) -> None:
    text = EN_FILLER[: 200 + offset] + SENTENCE + " " + EN_FILLER[:120]
    result = _classifier_stream(text, _unfinished_after_trigger, release)
    assert result.blocked is None
    assert result.release == text


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("offset", range(0, 24, 3))
def test_a_classifier_block_that_stands_when_the_sentence_ends_stops_the_stream(
    offset: int,
    release: str,
) -> None:
    prefix = EN_FILLER[: 200 + offset]
    result = _classifier_stream(
        prefix + SENTENCE + " " + EN_FILLER[:120], lambda t: TRIGGER in t, release
    )
    assert result.blocked is not None
    assert TRIGGER not in result.release
    assert len(result.release) <= len(prefix) + len(SENTENCE)


DECIMAL_SENTENCE = " To kill the old daemon, stop version 3.14 first and start the new one."


def _blocks_until_the_sentence_is_whole(checked: str) -> bool:
    """Scores the trigger high until its whole sentence is in the checked text."""
    at = checked.rfind(TRIGGER)
    return at >= 0 and "the new one." not in checked[at:]


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("offset", range(0, 24, 3))
def test_a_decimal_point_does_not_end_the_held_sentence(offset: int, release: str) -> None:
    # "3.14" is not a sentence end for the classifier, so the re-check must not stop there.
    text = EN_FILLER[: 200 + offset] + DECIMAL_SENTENCE + " " + EN_FILLER[:120]
    result = _classifier_stream(text, _blocks_until_the_sentence_is_whole, release)
    assert result.blocked is None
    assert result.release == text


@pytest.mark.parametrize("release", RELEASES)
def test_a_stream_that_ends_while_a_block_is_held_is_blocked(release: str) -> None:
    result = _classifier_stream(
        EN_FILLER[:200] + " and then kill it", _unfinished_after_trigger, release
    )
    assert result.blocked is not None
    assert TRIGGER not in result.release


@pytest.mark.parametrize("release", RELEASES)
def test_a_sentence_that_never_ends_is_blocked_after_the_longest_wait(release: str) -> None:
    text = EN_FILLER[:200] + " kill" + " and so on" * 40
    result = _classifier_stream(text, _unfinished_after_trigger, release)
    assert result.blocked is not None
    assert TRIGGER not in result.release


# Adaptive release against the shipped detectors themselves.

ZH_FILLER = "天气很好，我们去公园散步。"
EN_SAFE = "The weather is fine and we walk in the park after lunch. "


def _detector_stream(
    text: str, detector: Detector, release: str, piece: int, pending: PendingKeywords | None
) -> StreamStep:
    """Feed ``text`` through a check that blocks whatever ``detector`` finds a span in."""

    async def check(checked: str) -> Verdict:
        found = detector.detect(checked, Role.ANSWER).spans
        return Verdict(
            Decision.BLOCK if found else Decision.ALLOW, (), found, None, "t", "1", Role.ANSWER
        )

    settings = StreamSettings.model_validate({"release": release})
    return asyncio.run(_feed_all(StreamGuard(settings, check, pending), text, piece))


def _evasions(term: str) -> list[str]:
    """``term`` as written and in forms the keyword tier sees through."""
    forms = [term, "\u200b".join(term)]
    if term.isascii():
        first, _, rest = term.partition(" ")
        forms += [
            term.upper(),
            "-".join(first) + " " + rest,
            "".join(chr(ord(c) + 0xFEE0) if 33 <= ord(c) < 127 else c for c in term),
        ]
    else:
        forms += [".".join(term), " ".join(term)]
    return forms


def _sample_terms() -> list[str]:
    entries = list(KeywordLibrary.load())
    zh = [e.term for e in entries if not e.term.isascii()][::3000]
    en = [e.term for e in entries if e.term.isascii()][::3000]
    return zh + en


@pytest.mark.parametrize("piece", [1, 4])
def test_adaptive_release_sends_none_of_a_keyword_span_in_any_form(
    piece: int, pending: PendingKeywords
) -> None:
    detector = KeywordDetector(KeywordLibrary.load())
    streams = 0
    for n, term in enumerate(_sample_terms()):
        filler = EN_SAFE * 4 if term.isascii() else ZH_FILLER * 12
        for form in _evasions(term):
            prefix = filler[: 120 + (n * 7) % 40] + (" " if term.isascii() else "")
            text = prefix + form + ". " + filler[:60]
            assert detector.detect(text, Role.ANSWER).spans, form  # the tier catches it whole
            result = _detector_stream(text, detector, "adaptive", piece, pending)
            assert result.blocked is not None, form
            assert len(result.release) <= len(prefix), (form, result.release[len(prefix) :])
            streams += 1
    assert streams > 60


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("piece", [1, 4])
def test_a_keyword_at_the_very_start_of_the_answer_is_not_sent(
    release: str, piece: int, pending: PendingKeywords
) -> None:
    detector = KeywordDetector(KeywordLibrary.load())
    for term in _sample_terms():
        text = term + "。" + ZH_FILLER * 4
        assert detector.detect(text, Role.ANSWER).spans, term
        result = _detector_stream(text, detector, release, piece, pending)
        assert result.blocked is not None, term
        assert result.release == "", (term, result.release)


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "138 0013 8000",
        "+86 138 0013 8000",
        "11010519491231002X",
        "zhang.san@example.com",
    ],
)
@pytest.mark.parametrize("piece", [1, 3])
def test_adaptive_release_holds_back_personal_data_while_it_is_written(
    value: str, piece: int
) -> None:
    prefix = ZH_FILLER * 10 + "我的联系方式是"
    text = prefix + value + "，谢谢。" + ZH_FILLER
    result = _detector_stream(text, PiiDetector(), "adaptive", piece, None)
    assert result.blocked is not None
    assert len(result.release) <= len(prefix), result.release[len(prefix) :]


def _lags(text: str, release: str, decision: Decision, pending: PendingKeywords) -> list[int]:
    """Characters fed but not yet released after each piece of 4, while the text streams."""

    async def check(checked: str) -> Verdict:
        return _verdict(decision)

    async def run() -> list[int]:
        guard = StreamGuard(StreamSettings.model_validate({"release": release}), check, pending)
        lags, released = [], 0
        for i in range(0, len(text), 4):
            released += len((await guard.feed(text[i : i + 4])).release)
            lags.append(min(i + 4, len(text)) - released)
        return lags

    return asyncio.run(run())


@pytest.mark.parametrize("text", [ZH_FILLER * 20, EN_SAFE * 6])
def test_adaptive_release_sends_allowed_text_at_once_and_flagged_text_behind_the_window(
    text: str, pending: PendingKeywords
) -> None:
    window = StreamSettings().window_chars
    adaptive = _lags(text, "adaptive", Decision.ALLOW, pending)
    assert adaptive[0] < 4 or adaptive[1] < 8  # the first text leaves with the first pieces
    assert statistics.median(adaptive) < window / 2
    held = _lags(text, "window", Decision.ALLOW, pending)
    flagged = _lags(text, "adaptive", Decision.FLAG, pending)
    for lags in (held, flagged):
        assert min(lags) >= min(window, len(text)) or min(lags[window // 4 :]) >= window
        assert statistics.median(lags) > statistics.median(adaptive)
