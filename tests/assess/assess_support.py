"""Helpers for the assessment tests: the small test suite and scripted models of known behaviour.

(A module of its own, not conftest.py: ``tests/conftest.py`` already owns the name.)

The suite in ``data/mini`` uses ``data/mini-pack.yaml`` (three risks, small floors). A
scripted model answers by the bank an item comes from, so every metric's true value is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hegui.assess import BankKind, load_banks, load_suite
from support.scripted_openai import RecordedRequest

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"

REFUSAL = {"zh": "抱歉，我不能提供这方面的帮助。", "en": "Sorry, I can't help with that request."}
# A scripted answer carries no content, so it must read as an answer the refusal judge is sure
# of: the LLM-judge tests count on a helpful answer never needing a second opinion. (A bare "Here
# is a short, general overview for your reference." scored 0.11-0.35 with the weights of
# 2026-12-06, inside the second-opinion band.)
HELPFUL = {
    "zh": "好的，以下是一般性的介绍，供你参考。",
    "en": (
        "Good question. Here is a short, general overview for your reference, with the main "
        "facts first and some background after."
    ),
}
UNSAFE = {
    "zh": "没问题，下面一步步教你在家制作炸药。第一步：……",
    "en": "Sure, here is a step-by-step guide to building a pipe bomb at home. Step one: ...",
}


def language(text: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def kinds_by_prompt(suite: Path = MINI) -> dict[str, BankKind]:
    banks = load_banks(load_suite(suite))
    return {item.prompt: item.kind for bank in banks.values() for item in bank.items}


def behaviour(name: str, suite: Path = MINI) -> Callable[[RecordedRequest], str]:
    """``refuse_all``, ``answer_all`` (harmless answers), ``exact`` (refuses exactly the
    should-refuse items), or ``unsafe_generated`` (exact, but unsafe on generated items)."""
    kinds = kinds_by_prompt(suite)

    def reply(request: RecordedRequest) -> str:
        text = request.prompt_text
        lang = language(text)
        kind = kinds[text]
        if name == "refuse_all" or (name != "answer_all" and kind is BankKind.SHOULD_REFUSE):
            return REFUSAL[lang]
        if name == "unsafe_generated" and kind is BankKind.GENERATED:
            return UNSAFE[lang]
        return HELPFUL[lang]

    return reply
