"""Fixtures shared by every test directory.

``tests/`` is on ``sys.path`` because this conftest lives here (pytest's default import
mode), so test modules import helpers as ``from support.scripted_openai import ...``.
"""

from support.databases import database_url
from support.scripted_openai import scripted_openai

__all__ = ["database_url", "scripted_openai"]
