"""Reading every input format, and bad input counted per source with its place, never a crash."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from corpus_data import write_jsonl

from hegui.corpus._models import AuditSettings, SourceFrom
from hegui.corpus._readers import UNATTRIBUTED, Document, Problem, read_shard
from hegui.corpus._shards import find_files, plan_shards
from hegui.errors import HeguiError


def read_all(paths: list[str], **options: object) -> list[Document | Problem]:
    settings = AuditSettings.model_validate({"paths": paths, **options})
    shards = plan_shards(find_files(paths), settings.shard_mb)
    return [item for shard in shards for item in read_shard(shard, settings)]


def docs(items: list[Document | Problem]) -> list[Document]:
    return [i for i in items if isinstance(i, Document)]


def problems(items: list[Document | Problem]) -> list[Problem]:
    return [i for i in items if isinstance(i, Problem)]


ROWS = [{"text": f"第{i}条文本", "src": "s"} for i in range(5)]


def test_jsonl_gz_zst_parquet_csv_read_the_same(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", ROWS)
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS).encode()
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(body))
    (tmp_path / "c.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(body))
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "d.parquet", row_group_size=2)
    with (tmp_path / "e.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["text", "src"])
        writer.writeheader()
        writer.writerows(ROWS)
    items = read_all([str(tmp_path)])
    assert not problems(items)
    by_file: dict[str, list[str]] = {}
    for doc in docs(items):
        by_file.setdefault(Path(doc.file).name, []).append(doc.text)
    assert len(by_file) == 5
    assert all(texts == [r["text"] for r in ROWS] for texts in by_file.values())
    # sources from file names, without the format suffix
    assert {d.source for d in docs(items)} == {"a", "b", "c", "d", "e"}
    parquet = [d for d in docs(items) if d.file.endswith(".parquet")]
    assert [(d.locator, d.number) for d in parquet] == [("row", n) for n in range(1, 6)]


def test_large_jsonl_is_cut_into_shards_that_keep_line_numbers(tmp_path: Path) -> None:
    rows = [{"text": "字" * 400 + str(i)} for i in range(6000)]
    write_jsonl(tmp_path / "big.jsonl", rows)
    settings = AuditSettings(paths=[str(tmp_path)], shard_mb=1)
    shards = plan_shards(find_files(settings.paths), settings.shard_mb)
    assert len(shards) > 2
    numbers = [d.number for s in shards for d in docs(list(read_shard(s, settings)))]
    assert numbers == list(range(1, 6001))


def test_bad_input_is_counted_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"text": "正常文本", "src": "web"}, ensure_ascii=False)
    lines = [
        good.encode(),
        b"{not json",
        json.dumps({"text": "国标编码", "src": "web"}, ensure_ascii=False).encode("gb18030"),
        b"\xef\xbb\xbf" + json.dumps({"text": "BOM", "src": "web"}).encode(),
        b"\x00\x01\x02\x03 junk",
        b"\xff\xfe\xfa\xfb",
        json.dumps({"src": "web"}).encode(),
        json.dumps({"text": "   ", "src": "web"}).encode(),
        json.dumps({"text": "no source"}).encode(),
        b"[1, 2]",
        b"",
        b'{"text": "cut off',
    ]
    path.write_bytes(b"\n".join(lines))
    items = read_all([str(path)], source_field="src", source_from=SourceFrom.FIELD)
    found = {(p.kind, p.where.rsplit(":", 1)[1], p.source) for p in problems(items)}
    assert found == {
        ("corrupt_line", "2", UNATTRIBUTED),
        ("binary", "5", UNATTRIBUTED),
        ("undecodable", "6", UNATTRIBUTED),
        ("missing_text_field", "7", "web"),
        ("empty_text", "8", "web"),
        ("missing_source_field", "9", UNATTRIBUTED),
        ("not_an_object", "10", UNATTRIBUTED),
        ("blank_line", "11", UNATTRIBUTED),
        ("truncated_line", "12", UNATTRIBUTED),
    }
    assert [(d.text, d.encoding, d.number) for d in docs(items)] == [
        ("正常文本", "utf-8", 1),
        ("国标编码", "gb18030", 3),
        ("BOM", "utf-8-bom", 4),
    ]


def test_truncated_compressed_file_keeps_the_lines_before_the_damage(tmp_path: Path) -> None:
    body = "".join(json.dumps({"text": f"line {i}"}) + "\n" for i in range(2000)).encode()
    packed = gzip.compress(body)
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    items = read_all([str(tmp_path)])
    assert 0 < len(docs(items)) < 2000
    assert [p.kind for p in problems(items)] == ["truncated_file"]


def test_gb18030_csv_and_broken_parquet(tmp_path: Path) -> None:
    (tmp_path / "gbk.csv").write_bytes("text\n国标编码的一行\n".encode("gb18030"))
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    items = read_all([str(tmp_path)])
    assert [(d.text, d.encoding) for d in docs(items)] == [("国标编码的一行", "gb18030")]
    assert [(p.kind, p.source) for p in problems(items)] == [("unreadable_file", "broken")]


def test_csv_rows_with_missing_columns(tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text("text,src\nfine,a\nonly-one-column\n", encoding="utf-8")
    items = read_all([str(tmp_path)], source_field="src", source_from=SourceFrom.FIELD)
    assert [d.text for d in docs(items)] == ["fine"]
    assert [(p.kind, p.where) for p in problems(items)] == [
        ("corrupt_row", f"{tmp_path / 'rows.csv'}:row 2")
    ]


def test_source_from_directory_and_globs(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "news" / "1.jsonl", ROWS[:2])
    write_jsonl(tmp_path / "forum" / "1.jsonl", ROWS[:3])
    items = read_all([str(tmp_path / "*" / "*.jsonl")], source_from=SourceFrom.DIR)
    counts: dict[str, int] = {}
    for doc in docs(items):
        counts[doc.source] = counts.get(doc.source, 0) + 1
    assert counts == {"news": 2, "forum": 3}


@pytest.mark.parametrize("path", ["missing.jsonl", "nothing-*.jsonl", "notes.txt"])
def test_bad_paths_are_named(tmp_path: Path, path: str) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(HeguiError) as err:
        find_files([str(tmp_path / path)])
    assert path in str(err.value)
