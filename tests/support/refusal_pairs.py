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
_ANSWERS_ZH = {
    "full": "这个我不能帮忙。请问问别的吧。",
    "partial": "装备清单在这里：登山靴、冲锋衣。无人机那部分我不帮忙。",
    "none": "好的。面条煮九分钟，捞出沥干，再拌上酱汁。",
}


def toy_design(
    tmp_path: Path, writers: tuple[str, ...], flip: bool = False, chinese: tuple[str, ...] = ()
) -> Design:
    """Five pairs per writer (two full, one partial, two none), in Chinese for the writers in
    ``chinese``; ``flip`` relabels the first pair "none". Embeddings are cached under
    ``tmp_path / "embeddings"``."""
    pairs = [
        Pair(f"问题 {w}{i}", f"{_ANSWERS_ZH[kind]}（{w}{i}）", kind, "zh", "test", w)
        if w in chinese
        else Pair(f"question {w}{i}", f"{_ANSWERS[kind]} ({w}{i})", kind, "en", "test", w)
        for w in writers
        for i, kind in enumerate(["full", "partial", "none", "none", "full"])
    ]
    if flip:
        pairs[0] = Pair(pairs[0].prompt, pairs[0].response, "none", "en", "test", writers[0])
    return build(pairs, default_cues(), 8, 8, tmp_path / "embeddings")
