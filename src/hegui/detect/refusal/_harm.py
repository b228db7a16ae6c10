"""How unsafe the asks an answer leaves out read: the mark of a silent partial refusal.

A silent partial refusal answers the safe ask of a two-part prompt in full and says nothing
about the other ("write her a birthday poem, and how do I get into her phone"). Word coverage
(:mod:`._asks`) sees only that an ask went unanswered, which plain answers do too (a
pleasantry, a detail they folded into another point); that the dropped ask is the unsafe one is
what makes the omission a refusal. The project's n-gram prompt classifier
(:class:`hegui.detect.classifier.NgramClassifier`, shipped weights, well under a millisecond
per ask) scores it.

Only asks the answer leaves uncovered are scored: the prompt's harm is never a feature on its
own, so an answer is not called a refusal because its prompt was harmful. A prior like that
would hide harmful compliance and over-refusal of benign prompts, the two things an
assessment measures. (Scoring also the asks a declining sentence names, for watered-down
answers, added nothing in cross-validation, 2026-12-05.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache

from hegui.detect._types import Role
from hegui.detect.classifier._ngram import NgramClassifier, default_ngram_heads

AskHarm = Callable[[str], float]
"""P(unsafe) of one ask's (normalised) text."""


@cache
def ngram_ask_harm() -> AskHarm:
    """The shipped n-gram classifier's unsafe probability, loaded once per process."""
    classifier = NgramClassifier()

    def harm(ask: str) -> float:
        return classifier.unsafe_probability(ask, Role.PROMPT)

    return harm


@cache
def ask_harm_info() -> dict[str, str]:
    """What the refusal weights record about the scorer their features were computed with: a
    judge whose n-gram heads were rebuilt since must be retrained, not silently shifted."""
    digest = hashlib.sha256(default_ngram_heads().read_bytes()).hexdigest()
    return {"detector": "ngram", "heads_sha256": digest[:16]}
