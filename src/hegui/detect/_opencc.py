"""OpenCC's conversion dictionaries, read from the installed ``opencc-python-reimplemented``
package (never copied into hegui)."""

from __future__ import annotations

from importlib import resources


def opencc_table(name: str) -> dict[str, str]:
    """``source -> first candidate`` of one OpenCC dictionary file, e.g. ``TSCharacters.txt``."""
    path = resources.files("opencc") / "dictionary" / name
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.strip().partition("\t")
        if source and targets:
            table[source] = targets.split(" ")[0]
    return table
