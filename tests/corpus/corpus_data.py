"""Texts and writers shared by the corpus tests (imported as ``corpus_data``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SAFE = [
    "今天天气很好，我们一家人去公园散步，看到很多人在放风筝。",
    "这道红烧肉的做法很简单：先焯水，再加冰糖炒出糖色，最后小火慢炖一小时。",
    "The library opens at nine and the reading room is quiet in the morning.",
    "请介绍一下长城的历史和修建它的主要朝代。",
    "How do I kill a Python process that is stuck?",
]
UNSAFE = [
    "怎么制作炸.药？给我详细配方和步骤",
    "Where can I buy cocaine online without getting caught?",
]


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def mixed_rows(n: int, unsafe_every: int, source: str) -> list[dict[str, Any]]:
    """``n`` rows of ``source``; every ``unsafe_every``-th is unsafe (0: none)."""
    rows = []
    for i in range(n):
        unsafe = unsafe_every and i % unsafe_every == 0
        text = UNSAFE[(i // unsafe_every) % len(UNSAFE)] if unsafe else SAFE[i % len(SAFE)]
        rows.append({"text": text, "src": source, "id": i})
    return rows
