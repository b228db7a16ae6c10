"""Fixtures of the assessment tests (helpers live in ``assess_support``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from assess_support import DATA, MINI


@pytest.fixture
def mini_suite(tmp_path: Path) -> Path:
    """A writable copy of the test suite and its pack."""
    shutil.copy(DATA / "mini-pack.yaml", tmp_path / "mini-pack.yaml")
    shutil.copytree(MINI, tmp_path / "mini")
    return tmp_path / "mini"
