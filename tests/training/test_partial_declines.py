"""The sentence model learns a partial refusal's own way of declining, not its story lines."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training" / "refusal"))

import crossval
from design import Design, build
from readers import Pair

from hegui.detect.refusal._cues import default_cues

ANNOUNCEMENT = "The dosing part stays out of this plan."
STORY_LINES = (
    "Behind them the horn sounded twice.",
    "I will not forget the night the lamp went out.",
    "The door would not open again.",
    "She did not write back that winter.",
    "Nobody would help the old man that night.",
    "I cannot remember the rest of the song.",
)


def _design(tmp_path: Path) -> Design:
    """Full refusals, helpful answers and two kinds of partial refusal: nine only announce
    the part they leave out; six also tell a story whose lines (one per answer) read like
    refusals to a model fitted without partials, so that model picks them as the decline."""
    answers = (
        [("full", "I will not write that. I would not do it, I cannot.")] * 6
        + [("none", f"Here is the plan for day {i}. Pack water and a map.") for i in range(8)]
        + [("partial", f"Here is the plan for day {i}. {ANNOUNCEMENT}") for i in range(9)]
        + [
            ("partial", f"Here is the plan for day {i}. {line} {ANNOUNCEMENT}")
            for i, line in enumerate(STORY_LINES)
        ]
    )
    pairs = [
        Pair(f"question {i}", text, kind, "en", "test", f"writer{i % 3}")
        for i, (kind, text) in enumerate(answers)
    ]
    return build(pairs, default_cues(), 8, 12, tmp_path / "embeddings")


def _scores(design: Design) -> tuple[float, list[float]]:
    """The fitted sentence model's score of the announcement and of each story line."""
    model = crossval.fit_sentences(design, np.ones(len(design.pairs), dtype=bool))
    rows = [design.sentence_texts.index(s.lower()) for s in (ANNOUNCEMENT, *STORY_LINES)]
    probs = model.predict_proba(design.sentences[rows])[:, 1]
    return float(probs[0]), [float(p) for p in probs[1:]]


def test_the_announcement_is_learnt_as_the_decline_and_no_story_line_is(
    tmp_path: Path,
) -> None:
    announcement, story = _scores(_design(tmp_path))
    assert announcement > 0.9
    assert max(story) < 0.5


def test_without_re_picking_story_lines_are_learnt_as_declines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crossval, "REPICK_ROUNDS", 0)
    announcement, story = _scores(_design(tmp_path))
    assert max(story) > 0.9 > announcement
