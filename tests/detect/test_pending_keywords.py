"""Where a keyword may still be arriving at the end of a streamed text."""

from __future__ import annotations

import pytest

from hegui.detect.keywords import PendingKeywords
from hegui.detect.keywords._matcher import Matcher
from hegui.detect.keywords._normalize import normalize_terms

TERMS = ["bomb", "炸药", "how to make a bomb"]


@pytest.fixture(scope="module")
def pending() -> PendingKeywords:
    return PendingKeywords(Matcher((words, "x", 1.0) for words in normalize_terms(TERMS)))


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("We walked in the park", None),
        ("天气很好", None),
        ("I read about a b", "b"),
        ("I read about a b-o", "b-o"),  # spread out by separators
        ("I read about a Ｂｏ", "Ｂｏ"),  # full-width
        ("I read about a b0", "b0"),  # leet, already touching a letter
        ("I read about a b-0", "b-0"),  # a digit that may still turn into a letter
        ("教你做炸", "炸"),
        ("教你做炸\u200b", "炸\u200b"),  # an invisible character after it
        ("Here is how to make a ", "how to make a "),  # a long entry, whatever the window
        ("Here is how to make a cake", None),  # went another way: nothing to hold
    ],
)
def test_holds_from_where_a_keyword_may_be_forming(
    pending: PendingKeywords, text: str, held: str | None
) -> None:
    at = pending.hold_from(text)
    assert (None if at is None else text[at:]) == held


def test_looks_only_from_start(pending: PendingKeywords) -> None:
    text = "I read about a b"
    at = len(text) - 1
    assert pending.hold_from(text, at) == at
    assert pending.hold_from(text, at + 1) is None  # the b before start was already sent
