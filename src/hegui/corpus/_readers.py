"""Reading a shard into documents and problems: bad input is counted, never a crash.

Every record becomes either a :class:`Document` (a source, a place and a text) or a
:class:`Problem` naming what was wrong and where. Encodings are detected per JSONL line and
per CSV file: UTF-8 (with or without a byte-order mark), else GB18030; a line with NUL bytes
is binary junk. A compressed file that ends early yields the lines before the damage and then
one ``truncated_file`` problem.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from hegui.corpus._models import AuditSettings, SourceFrom
from hegui.corpus._shards import Shard, base_name

UNATTRIBUTED = "(unattributed)"
"""Source of a record whose source field could not be read (corrupt line, missing field)."""

_BOM = codecs.BOM_UTF8


@dataclass(frozen=True, slots=True)
class Document:
    """One readable record: its source, where it came from and its text."""

    source: str
    file: str
    locator: str
    """``line`` (JSONL) or ``row`` (CSV data row, Parquet row), 1-based."""
    number: int
    text: str
    encoding: str
    n_bytes: int

    @property
    def where(self) -> str:
        return (
            f"{self.file}:{self.number}"
            if self.locator == "line"
            else (f"{self.file}:row {self.number}")
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """One record (or file) that could not be audited, counted for its source."""

    source: str
    kind: str
    where: str
    detail: str


Item = Document | Problem


def source_of_file(path: str, source_from: SourceFrom) -> str:
    """The source name of a file when sources come from file or directory names."""
    p = Path(path)
    if source_from is SourceFrom.DIR:
        return p.parent.name or str(p.parent)
    return base_name(p)


def decode(raw: bytes) -> tuple[str, str] | tuple[None, str]:
    """``(text, encoding)`` of one record's bytes, or ``(None, problem kind)``."""
    if b"\x00" in raw:
        return None, "binary"
    if raw.startswith(_BOM):
        try:
            return raw[len(_BOM) :].decode("utf-8"), "utf-8-bom"
        except UnicodeDecodeError:
            return None, "undecodable"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return None, "undecodable"


def read_shard(shard: Shard, settings: AuditSettings) -> Iterator[Item]:
    """Every document and problem of ``shard`` in file order."""
    if shard.format == "parquet":
        yield from _read_parquet(shard, settings)
    elif shard.format == "csv":
        yield from _read_csv(shard, settings)
    else:
        yield from _read_jsonl(shard, settings)


class _Fields:
    """Turns one parsed record into a document or a problem."""

    def __init__(self, shard: Shard, settings: AuditSettings) -> None:
        self.file = shard.file
        self.text_field = settings.text_field
        self.source_field = settings.source_field
        self.file_source = (
            UNATTRIBUTED
            if settings.source_field
            else source_of_file(shard.file, settings.source_from)
        )

    def where(self, locator: str, number: int) -> str:
        if number == 0:
            return self.file
        return f"{self.file}:{number}" if locator == "line" else f"{self.file}:row {number}"

    def problem(self, kind: str, locator: str, number: int, detail: str) -> Problem:
        return Problem(self.file_source, kind, self.where(locator, number), detail)

    def record(self, obj: Any, locator: str, number: int, encoding: str, n_bytes: int) -> Item:
        if not isinstance(obj, dict):
            return self.problem("not_an_object", locator, number, "record is not an object")
        source = self.file_source
        if self.source_field:
            value = obj.get(self.source_field)
            if not isinstance(value, str) or not value.strip():
                return Problem(
                    UNATTRIBUTED,
                    "missing_source_field",
                    self.where(locator, number),
                    f"field '{self.source_field}' is missing, empty or not a string",
                )
            source = value.strip()
        text = obj.get(self.text_field)
        if not isinstance(text, str):
            return Problem(
                source,
                "missing_text_field",
                self.where(locator, number),
                f"field '{self.text_field}' is missing or not a string",
            )
        if not text or text.isspace():
            return Problem(
                source,
                "empty_text",
                self.where(locator, number),
                f"field '{self.text_field}' is empty",
            )
        return Document(source, self.file, locator, number, text, encoding, n_bytes)


BLOCK = 1 << 20
"""Most bytes read at a time from a JSONL shard (one read of the underlying stream, so a
damaged compressed file still yields the lines before the damage)."""


def _open_jsonl(shard: Shard) -> io.BufferedIOBase:
    if shard.format == "jsonl.gz":
        return gzip.open(shard.file, "rb")
    if shard.format == "jsonl.zst":
        import zstandard

        raw = open(shard.file, "rb")  # noqa: SIM115 (closed with the reader below)
        stream = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return io.BufferedReader(stream)
    handle = open(shard.file, "rb")  # noqa: SIM115 (returned to the caller's with-block)
    if shard.start > 0:
        handle.seek(shard.start)
    return handle


def _read_jsonl(shard: Shard, settings: AuditSettings) -> Iterator[Item]:
    fields = _Fields(shard, settings)
    left = shard.end - max(shard.start, 0) if shard.format == "jsonl" and shard.end >= 0 else -1
    number = shard.first - 1
    try:
        handle = _open_jsonl(shard)
    except OSError as exc:
        yield fields.problem("unreadable_file", "line", 0, str(exc))
        return
    pending: list[bytes] = []  # the start of a line whose end is in a later block
    with handle:
        while left != 0:
            try:
                block = handle.read1(BLOCK if left < 0 else min(BLOCK, left))
            except Exception as exc:  # gzip EOFError/BadGzipFile, zstd ZstdError, OSError
                yield Problem(
                    fields.file_source,
                    "truncated_file",
                    f"{shard.file}:{number + 1}",
                    f"the file is damaged or ends early ({type(exc).__name__}: {exc})",
                )
                return
            if not block:
                break
            if left > 0:
                left -= len(block)
            lines = block.split(b"\n")
            if len(lines) == 1:
                pending.append(block)
                continue
            if pending:
                lines[0] = b"".join([*pending, lines[0]])
            last = lines.pop()
            pending = [last] if last else []
            for body in lines:
                number += 1
                yield _jsonl_line(body, number, True, fields)
    if pending:
        number += 1
        yield _jsonl_line(b"".join(pending), number, False, fields)
    if number == 0:  # an empty file still names its source in the results
        yield fields.problem("empty_file", "line", 0, "the file has no lines")


def _jsonl_line(body: bytes, number: int, complete: bool, fields: _Fields) -> Item:
    """One line without its ``\\n`` (``complete``: it had one)."""
    n_bytes = len(body) + complete
    try:
        # Fast path: orjson accepts only valid UTF-8 JSON with no byte-order mark and no raw
        # NUL, so a line it parses is a UTF-8 record; anything else takes the path below.
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    else:
        return fields.record(obj, "line", number, "utf-8", n_bytes)
    body = body.rstrip(b"\r")
    if not body.strip():
        return fields.problem("blank_line", "line", number, "blank line")
    text, encoding = decode(body)
    if text is None:
        detail = "NUL bytes: binary data" if encoding == "binary" else "neither UTF-8 nor GB18030"
        return fields.problem(encoding, "line", number, detail)
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        kind = "corrupt_line" if complete else "truncated_line"
        return fields.problem(kind, "line", number, f"not valid JSON: {exc}")
    return fields.record(obj, "line", number, encoding, n_bytes)


def _file_encoding(path: str) -> str:
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith(_BOM):
        return "utf-8-bom"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _read_csv(shard: Shard, settings: AuditSettings) -> Iterator[Item]:
    fields = _Fields(shard, settings)
    try:
        encoding = _file_encoding(shard.file)
        header = _csv_header(shard.file, encoding) if shard.start > 0 else None
        handle = open(shard.file, "rb")  # noqa: SIM115 (closed by the with-block below)
    except OSError as exc:
        yield fields.problem("unreadable_file", "row", 0, str(exc))
        return
    codec = encoding
    if encoding == "utf-8-bom":  # the mark is at the file's start, not in a later piece
        codec = "utf-8-sig" if shard.start <= 0 else "utf-8"
    handle.seek(max(shard.start, 0))
    piece = _ByteRange(handle, shard.end - max(shard.start, 0) if shard.end >= 0 else -1)
    with io.TextIOWrapper(
        io.BufferedReader(piece), encoding=codec, errors="surrogateescape", newline=""
    ) as text:
        reader = csv.reader(text)
        if header is None:
            try:
                header = next(reader)
            except (StopIteration, csv.Error):
                yield fields.problem("empty_file", "row", 0, "no header row")
                return
        number = shard.first - 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield fields.problem("corrupt_row", "row", number, str(exc))
                continue
            number += 1
            yield _csv_row(header, row, number, encoding, fields)


def _csv_header(path: str, encoding: str) -> list[str]:
    """The header row of a CSV file (read again by every shard after the first)."""
    codec = {"utf-8-bom": "utf-8-sig"}.get(encoding, encoding)
    with open(path, encoding=codec, errors="surrogateescape", newline="") as handle:
        try:
            return next(csv.reader(handle), [])
        except csv.Error:  # the planner cuts only files whose header it could read
            return []


class _ByteRange(io.RawIOBase):
    """At most ``length`` bytes (all of them when ``length < 0``) of an open binary file,
    from where it stands; closing the range closes the file."""

    def __init__(self, handle: IO[bytes], length: int) -> None:
        self._handle = handle
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = len(buffer) if self._left < 0 else min(len(buffer), self._left)
        data = self._handle.read(size)
        buffer[: len(data)] = data
        if self._left > 0:
            self._left -= len(data)
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()


def _csv_row(
    header: list[str], row: list[str], number: int, encoding: str, fields: _Fields
) -> Item:
    if not any(cell.strip() for cell in row):
        return fields.problem("blank_line", "row", number, "blank row")
    joined = "\x1f".join(row)
    try:
        n_bytes = len(joined.encode("utf-8"))
    except UnicodeEncodeError:
        return fields.problem("undecodable", "row", number, f"bytes that are not {encoding}")
    if "\x00" in joined:
        return fields.problem("binary", "row", number, "NUL bytes: binary data")
    if len(row) != len(header):
        return fields.problem(
            "corrupt_row", "row", number, f"{len(row)} columns, the header has {len(header)}"
        )
    return fields.record(dict(zip(header, row, strict=True)), "row", number, encoding, n_bytes)


PARQUET_BATCH = 4096
"""Parquet rows converted to Python at a time."""


def _read_parquet(shard: Shard, settings: AuditSettings) -> Iterator[Item]:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    fields = _Fields(shard, settings)
    try:
        parquet = pq.ParquetFile(shard.file)
        groups = [shard.row_group] if shard.row_group >= 0 else range(parquet.num_row_groups)
        names = set(parquet.schema_arrow.names)
        wanted = [c for c in (settings.text_field, settings.source_field) if c and c in names]
        for group in groups:
            number = sum(parquet.metadata.row_group(g).num_rows for g in range(group))
            # A row group can be large: it is read a batch of rows at a time.
            for batch in parquet.iter_batches(PARQUET_BATCH, row_groups=[group], columns=wanted):
                columns = {name: batch.column(name).to_pylist() for name in wanted}
                for index in range(batch.num_rows):
                    number += 1
                    yield _parquet_row(columns, index, number, fields)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        yield fields.problem(
            "unreadable_file", "row", 0, f"not a readable Parquet file ({type(exc).__name__})"
        )


def _parquet_row(columns: dict[str, list[Any]], index: int, number: int, fields: _Fields) -> Item:
    record: dict[str, Any] = {}
    encoding = "utf-8"
    n_bytes = 0
    for name, values in columns.items():
        value = values[index]
        if isinstance(value, bytes):
            text, found = decode(value)
            if text is None:
                return fields.problem(found, "row", number, f"column '{name}' is not text")
            if name == fields.text_field:
                encoding = found
            value = text
        if isinstance(value, str):
            n_bytes += len(value.encode("utf-8", "surrogatepass"))
        record[name] = value
    return fields.record(record, "row", number, encoding, n_bytes)
