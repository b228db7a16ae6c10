"""SHIPPED DATA CHECK (kept by the lead): the library shipped in the package loads and is big.

This is the only keyword test that depends on ``src/hegui/detect/keywords/data``; every other
test builds its own library.
"""

from __future__ import annotations

from hegui.detect import Role
from hegui.detect.keywords import KeywordDetector, KeywordLibrary


def test_shipped_library_loads_with_at_least_50000_entries() -> None:
    library = KeywordLibrary.load()
    assert len(library) >= 50_000
    result = KeywordDetector(library).detect("今天天气很好。", Role.PROMPT)
    assert result.error is None
