"""The one error type users see: a bilingual message naming what was wrong and where."""

from __future__ import annotations


class HeguiError(Exception):
    """An error caused by the user's input or environment, shown without a traceback.

    ``en`` and ``zh`` carry the same message in English and Chinese; ``where`` names the
    file, line or field at fault when there is one.
    """

    def __init__(self, en: str, zh: str, where: str | None = None) -> None:
        self.en = en
        self.zh = zh
        self.where = where
        super().__init__(self.render())

    def render(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.en}\n{prefix}{self.zh}"
