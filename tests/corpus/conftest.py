"""Fixtures of the corpus tests: a small two-source corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_data import mixed_rows, write_jsonl


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """Two sources in one JSONL file: ``clean`` (no unsafe) and ``dirty`` (one in four)."""
    rows = mixed_rows(40, 0, "clean") + mixed_rows(40, 4, "dirty")
    return write_jsonl(tmp_path / "corpus" / "part-0.jsonl", rows)
