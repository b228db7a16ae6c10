"""Cutting one big file into shards: the same documents, places and results as reading it whole."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from corpus_data import SAFE, UNSAFE
from typer.testing import CliRunner

from hegui.cli import app
from hegui.corpus._models import AuditSettings
from hegui.corpus._readers import read_shard
from hegui.corpus._shards import find_files, plan_shards

ROWS = 2500
"""Enough ~1.5 KB rows for a file of about 3.5 MB: several 1 MB shards."""


def row(i: int) -> dict[str, Any]:
    text = (UNSAFE[i % len(UNSAFE)] if i % 40 == 0 else SAFE[i % len(SAFE)]) + "\n段落。" * 120
    return {"id": i, "text": f"{i}: {text}", "src": f"s{i % 3}"}


def write_big_jsonl(path: Path) -> Path:
    """One big JSONL file with bad lines in it, the last line cut mid-record."""
    lines = [json.dumps(row(i), ensure_ascii=False).encode() for i in range(ROWS)]
    lines[100] = b'{"id": "broken", "text": '
    lines[700] = b""
    lines[1300] = json.dumps(row(1300), ensure_ascii=False).encode("gb18030")
    lines[1900] = b"\x00\x01 binary"
    path.write_bytes(b"\n".join(lines) + b'\n{"text": "cut')
    return path


def write_big_csv(path: Path) -> Path:
    """One big CSV file whose text cells hold line breaks and quotes, with a short row."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "src"])
        for i in range(ROWS):
            r = row(i)
            cells = [r["id"], r["text"] + ' "引号" ,逗号', r["src"]]
            writer.writerow(cells if i != 1234 else cells[:2])
    return path


def read_all(path: Path, shard_mb: int) -> tuple[int, list[object]]:
    settings = AuditSettings(
        paths=[str(path)], source_field="src", source_from="field", shard_mb=shard_mb
    )
    shards = plan_shards(find_files(settings.paths), shard_mb)
    return len(shards), [item for shard in shards for item in read_shard(shard, settings)]


@pytest.mark.parametrize("writer", [write_big_jsonl, write_big_csv])
def test_a_big_file_read_in_shards_gives_the_same_items(tmp_path: Path, writer: Any) -> None:
    path = writer(tmp_path / ("big.jsonl" if writer is write_big_jsonl else "big.csv"))
    assert path.stat().st_size > 2 * 2**20
    n_whole, whole = read_all(path, 64)
    n_cut, cut = read_all(path, 1)
    assert n_whole == 1 and n_cut >= 3
    assert cut == whole
    assert len(whole) == ROWS + (1 if writer is write_big_jsonl else 0)


def audit(corpus: Path, out: Path, *args: str) -> tuple[list[Any], str]:
    result = CliRunner().invoke(
        app,
        ["corpus", "audit", str(corpus), "--source-field", "src", "--out", str(out), *args],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads((out / "results.json").read_text("utf-8"))
    return data["sources"], (out / "flagged.jsonl").read_text("utf-8")


@pytest.mark.parametrize("sampling", [["--sample-rate", "0.3"], ["--sample-n", "200"]])
def test_a_big_file_audited_in_shards_gives_the_same_results(
    tmp_path: Path, sampling: list[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_big_jsonl(corpus / "big.jsonl")
    write_big_csv(corpus / "big.csv")
    whole = audit(corpus, tmp_path / "whole", *sampling, "--workers", "1", "--shard-mb", "64")
    cut = audit(corpus, tmp_path / "cut", *sampling, "--workers", "2", "--shard-mb", "1")
    assert len(list((tmp_path / "cut" / ".audit" / "shards").glob("*.json"))) >= 6
    assert cut == whole
    sources = {s["source"]: s for s in whole[0]}
    assert sum(s["n_docs"] for s in sources.values()) == 2 * ROWS - 4
    assert sources["(unattributed)"]["problems"] == {
        "binary": 1,
        "blank_line": 1,
        "corrupt_line": 1,
        "corrupt_row": 1,
        "truncated_line": 1,
    }
    flagged = [json.loads(line) for line in whole[1].splitlines()]
    # one unsafe row in 40: ~5 expected per source in a sample of 200, none is a 1-in-10^6 case
    assert flagged
    assert len(flagged) == sum(s["n_unsafe"] + s["n_flagged"] for s in sources.values())
    for item in flagged:  # each names where it came from: a CSV row, a JSONL line
        assert item["row" if item["file"].endswith(".csv") else "line"] > 0, item
