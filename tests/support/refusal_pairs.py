"""A toy refusal-training design for the tests of the training scripts in training/refusal."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training" / "refusal"))

from design import Design, build
from readers import Pair

from hegui.detect.refusal._cues import default_cues

_ANSWERS = {
    "full": "I can't help with that. Please ask me something else.",
    "partial": "Here is the packing list: boots, a shell jacket. I won't help with the drone part.",
    "none": "Sure. Boil the pasta for nine minutes, then drain it and add the sauce.",
}


def toy_design(tmp_path: Path, writers: tuple[str, ...], flip: bool = False) -> Design:
    """Five pairs per writer (two full, one partial, two none); ``flip`` relabels the first
    pair "none". Embeddings are cached under ``tmp_path / "embeddings"``."""
    pairs = [
        Pair(f"question {w}{i}", f"{_ANSWERS[kind]} ({w}{i})", kind, "en", "test", w)
        for w in writers
        for i, kind in enumerate(["full", "partial", "none", "none", "full"])
    ]
    if flip:
        pairs[0] = Pair(pairs[0].prompt, pairs[0].response, "none", "en", "test", writers[0])
    return build(pairs, default_cues(), 8, 8, tmp_path / "embeddings")
