"""The companion risk scorer's labelled messages: reading and checking ``data/``.

Two formats, both one message per line:

- ``<name>_{en,zh}.txt`` and ``{en,zh}.txt``: messages under ``# label`` headings;
- ``<name>_{en,zh}.jsonl``: ``{"id", "language", "text", "label"}`` per line.

Every file's language is the suffix of its name. A message that appears twice (after folding
case and spaces) is kept once; the same message under two labels stops the run, naming both
places. ``source`` is the writer: ``heldout_v1`` (an independent writer's former held-out set)
or ``project`` (everything written for hegui's training).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from hegui.companion._risk import LABELS

DATA = Path(__file__).resolve().parent / "data"
LANGS = ("en", "zh")
INDEPENDENT = "heldout_v1"
_NAME = re.compile(r"^(?:(?P<stem>[a-z0-9_]+)_)?(?P<lang>en|zh)\.(?P<ext>txt|jsonl)$")


@dataclass(frozen=True)
class Example:
    """One labelled message and where it came from."""

    lang: str
    label: str
    text: str
    source: str
    """``heldout_v1`` (the independent writer) or ``project``."""
    file: str
    """The file's name without its language: ``batch2``, ``heldout_v1``; ``batch1`` for
    ``{en,zh}.txt``."""
    where: str


def read_examples(data: Path = DATA) -> list[Example]:
    """Every example in ``data``, duplicates removed; exits naming the line of a bad one."""
    rows: list[Example] = []
    for path in sorted(data.iterdir()):
        found = _NAME.match(path.name)
        if found is None:
            continue
        lang, stem = found["lang"], found["stem"] or "batch1"
        source = INDEPENDENT if stem == INDEPENDENT else "project"
        read = _read_jsonl if found["ext"] == "jsonl" else _read_txt
        rows += read(path, lang, source, stem)
    return _dedupe(rows)


def _read_txt(path: Path, lang: str, source: str, file: str) -> list[Example]:
    rows: list[Example] = []
    label = ""
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        text = line.strip()
        if not text:
            continue
        if text.startswith("#"):
            label = text.lstrip("# ").strip()
            if label not in LABELS:
                sys.exit(f"{path}:{number}: unknown label {label!r}")
            continue
        if not label:
            sys.exit(f"{path}:{number}: message before the first '# label' heading")
        rows.append(Example(lang, label, text, source, file, f"{path.name}:{number}"))
    return rows


def _read_jsonl(path: Path, lang: str, source: str, file: str) -> list[Example]:
    rows: list[Example] = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            sys.exit(f"{where}: not JSON ({exc.msg})")
        if not isinstance(row, dict) or not {"id", "language", "text", "label"} <= row.keys():
            sys.exit(f"{where}: need an object with id, language, text and label")
        if row["language"] != lang:
            sys.exit(f"{where}: language {row['language']!r} in a {lang} file")
        if row["label"] not in LABELS:
            sys.exit(f"{where}: unknown label {row['label']!r}")
        text = str(row["text"]).strip()
        if not text:
            sys.exit(f"{where}: empty text")
        rows.append(Example(lang, row["label"], text, source, file, f"{path.name}:{number}"))
    return rows


def _dedupe(rows: list[Example]) -> list[Example]:
    seen: dict[str, Example] = {}
    kept: list[Example] = []
    for row in rows:
        key = " ".join(row.text.casefold().split())
        first = seen.get(key)
        if first is None:
            seen[key] = row
            kept.append(row)
        elif first.label != row.label:
            sys.exit(
                f"{row.where}: {row.text!r} is labelled {row.label} here and "
                f"{first.label} at {first.where}"
            )
    return kept
