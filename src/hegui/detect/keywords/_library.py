"""The keyword library: entries loaded from plain ``.tsv`` files, and its compiled matcher.

File format (UTF-8): one entry per line, ``term<TAB>label<TAB>weight<TAB>lang``; lines starting
with ``#`` are comments, blank lines are ignored, and a comment ``# updated: YYYY-MM-DD`` dates
the file. ``label`` is a detector label from ``hegui/detect/labels.yaml``, ``weight`` is in
(0, 1] and ``lang`` is ``zh``, ``en`` or ``any``. Entries whose terms normalise to the same text
are one entry per label, keeping the highest weight.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hegui.detect.keywords._matcher import Matcher
from hegui.detect.keywords._normalize import normalize_terms
from hegui.errors import HeguiError
from hegui.policy import known_labels

LANGS = ("zh", "en", "any")
_UPDATED = re.compile(r"^#\s*updated:\s*(.*?)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class KeywordEntry:
    """One keyword: ``term`` as written, its ``label``, ``weight`` in (0, 1], ``lang`` and
    ``source`` (``file:line`` where it was read)."""

    term: str
    label: str
    weight: float
    lang: str
    source: str


def shipped_data_dir() -> Path:
    """The folder of keyword files shipped inside the package."""
    return Path(str(resources.files("hegui.detect.keywords").joinpath("data")))


def _tsv_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.tsv"))
    if path.is_file():
        return [path]
    raise HeguiError("keyword file or folder not found", "找不到关键词文件或文件夹", str(path))


def _parse_weight(raw: str, where: str) -> float:
    try:
        weight = float(raw)
    except ValueError:
        raise HeguiError(
            f"weight {raw!r} is not a number", f"权重 {raw!r} 不是数字", where
        ) from None
    if not 0.0 < weight <= 1.0:
        raise HeguiError(f"weight {raw} is outside (0, 1]", f"权重 {raw} 不在 (0, 1] 范围内", where)
    return weight


def _parse_line(line: str, where: str, labels: frozenset[str]) -> KeywordEntry:
    columns = line.split("\t")
    if len(columns) != 4:
        raise HeguiError(
            f"expected 4 tab-separated columns (term, label, weight, lang), found {len(columns)}",
            f"应为 4 列，以制表符分隔（词条、标签、权重、语言），实际为 {len(columns)} 列",
            where,
        )
    term, label, raw_weight, lang = (column.strip() for column in columns)
    if label not in labels:
        raise HeguiError(
            f"unknown label {label!r} (see hegui/detect/labels.yaml)",
            f"未知标签 {label!r}（见 hegui/detect/labels.yaml）",
            where,
        )
    if lang not in LANGS:
        raise HeguiError(
            f"lang {lang!r} is not one of zh, en, any",
            f"语言 {lang!r} 不是 zh、en、any 之一",
            where,
        )
    return KeywordEntry(term, label, _parse_weight(raw_weight, where), lang, where)


def _read_file(path: Path, labels: frozenset[str]) -> tuple[list[KeywordEntry], dt.date]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise HeguiError(
            f"not valid UTF-8 at byte {err.start}",
            f"第 {err.start} 字节处不是有效的 UTF-8",
            str(path),
        ) from None
    except OSError as err:
        raise HeguiError(
            f"cannot read: {err.strerror}", f"无法读取：{err.strerror}", str(path)
        ) from None
    entries: list[KeywordEntry] = []
    updated: dt.date | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path}:{number}"
        if line.startswith("#"):
            found = _UPDATED.match(line)
            if found:
                try:
                    updated = dt.date.fromisoformat(found.group(1))
                except ValueError:
                    raise HeguiError(
                        f"bad date {found.group(1)!r} (expected YYYY-MM-DD)",
                        f"日期 {found.group(1)!r} 格式错误（应为 YYYY-MM-DD）",
                        where,
                    ) from None
            continue
        if line.strip():
            entries.append(_parse_line(line, where, labels))
    if updated is None:
        updated = dt.date.fromtimestamp(path.stat().st_mtime)
    return entries, updated


def _deduplicate(
    entries: Iterable[KeywordEntry],
) -> tuple[list[KeywordEntry], list[tuple[str, ...]]]:
    """Entries unique by (normalised term, label), highest weight kept, with their words."""
    entries = list(entries)
    words = normalize_terms([entry.term for entry in entries])
    best: dict[tuple[str, str], tuple[KeywordEntry, tuple[str, ...]]] = {}
    for entry, term_words in zip(entries, words, strict=True):
        if not term_words:
            raise HeguiError(
                f"term {entry.term!r} is empty after normalisation",
                f"词条 {entry.term!r} 归一化后为空",
                entry.source,
            )
        key = ("".join(term_words), entry.label)
        kept = best.get(key)
        if kept is None or entry.weight > kept[0].weight:
            best[key] = (entry, term_words)
    return [entry for entry, _ in best.values()], [w for _, w in best.values()]


class KeywordLibrary:
    """A deduplicated set of keyword entries, with a matcher compiled on first use.

    Build one with :meth:`load`; it is immutable afterwards, so the matcher is built once per
    instance and shared by every detector that uses the library.
    """

    def __init__(self, entries: Sequence[KeywordEntry], updated: dt.date, files: Sequence[Path]):
        unique, words = _deduplicate(entries)
        self._entries = tuple(unique)
        self._words = tuple(words)
        self.updated = updated
        """The newest ``# updated:`` date (or file modification date) of the files."""
        self.files = tuple(files)
        self._matcher: Matcher | None = None

    @classmethod
    def load(
        cls, paths: Sequence[Path] | None = None, *, extra: Sequence[Path] = ()
    ) -> KeywordLibrary:
        """Load keyword files.

        ``paths`` (files or folders of ``*.tsv``) replace the shipped library; ``None`` means
        the shipped files in ``hegui/detect/keywords/data``. ``extra`` files or folders (an
        operator's own lists) are added to whichever base set is used. Raises
        :class:`HeguiError` naming ``file:line`` for any bad line.
        """
        bases = [shipped_data_dir()] if paths is None else list(paths)
        files = [file for path in [*bases, *extra] for file in _tsv_files(Path(path))]
        entries: list[KeywordEntry] = []
        dates: list[dt.date] = []
        labels = known_labels()
        for file in files:
            file_entries, updated = _read_file(file, labels)
            entries += file_entries
            dates.append(updated)
        return cls(entries, max(dates, default=dt.date.min), files)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[KeywordEntry]:
        return iter(self._entries)

    @property
    def entries(self) -> tuple[KeywordEntry, ...]:
        """Every entry after deduplication."""
        return self._entries

    def label_counts(self) -> dict[str, int]:
        """Number of entries per detector label."""
        return dict(Counter(entry.label for entry in self._entries))

    def lang_counts(self) -> dict[str, int]:
        """Number of entries per ``lang`` column value."""
        return dict(Counter(entry.lang for entry in self._entries))

    def age_days(self, today: dt.date | None = None) -> int:
        """Days since :attr:`updated` (for the "updated weekly" rule)."""
        return ((today or dt.date.today()) - self.updated).days

    @property
    def matcher(self) -> Matcher:
        """The compiled matcher over every entry (built on first access, then cached)."""
        if self._matcher is None:
            self._matcher = Matcher(
                (words, entry.label, entry.weight)
                for entry, words in zip(self._entries, self._words, strict=True)
            )
        return self._matcher
