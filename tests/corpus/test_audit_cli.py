"""``hegui corpus audit``: the results a user reads, flagged provenance, resuming, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from corpus_data import write_jsonl
from typer.testing import CliRunner

from hegui.cli import app

runner = CliRunner()


def audit(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["corpus", "audit", *args, "--workers", "2"])
    return result.exit_code, result.stdout, result.stderr


def results(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "results.json").read_text("utf-8"))
    return data


def by_source(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["source"]: s for s in data["sources"]}


def test_full_scan_results_contract_and_verdicts(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = audit(str(small_corpus), "--source-field", "src", "--out", str(out))
    assert code == 0, stderr
    data = results(out)
    sources = by_source(data)
    assert set(sources) == {"clean", "dirty"}
    for s in sources.values():
        contract = {"source", "n_docs", "n_scanned", "unsafe_share", "ci_low", "ci_high"}
        assert contract | {"verdict"} <= set(s)
        assert s["n_docs"] == s["n_scanned"] == 40
        assert s["ci_low"] <= s["unsafe_share"] <= s["ci_high"]
    assert sources["clean"]["n_unsafe"] == 0
    assert sources["dirty"]["n_unsafe"] == 10
    assert sources["dirty"]["verdict"] == "drop"
    # 0 of 40 has an upper bound above 5%: not enough evidence to keep it on the upper bound
    assert sources["clean"]["verdict"] == "drop"
    assert data["max_unsafe_share"] == 0.05
    assert {r["risk"] for r in sources["dirty"]["per_risk"]} >= {"A1.6", "A1.8"}
    assert data["technical_check"]["sample_share"] == 1.0
    assert data["technical_check"]["passed"] is False
    assert "dirty" in stdout and "drop" in stdout
    flagged = [json.loads(line) for line in (out / "flagged.jsonl").read_text("utf-8").splitlines()]
    unsafe = [f for f in flagged if f["decision"] == "block"]
    assert len(unsafe) == 10
    lines = small_corpus.read_text("utf-8").splitlines()
    for item in unsafe:
        assert item["file"] == str(small_corpus)
        assert json.loads(lines[item["line"] - 1])["text"].startswith(item["excerpt"][:10])
        assert item["risks"] and item["source"] == "dirty"
    assert any(e["text"] for f in unsafe for e in f["evidence"])
    report = (out / "report.html").read_text("utf-8")
    assert "dirty" in report and "Per source" in report and "各来源" in report


def test_judging_on_the_estimate_keeps_a_clean_source(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, stderr = audit(
        str(small_corpus), "--source-field", "src", "--out", str(out), "--judge-on", "estimate"
    )
    assert code == 0, stderr
    sources = by_source(results(out))
    assert sources["clean"]["verdict"] == "keep"
    assert sources["dirty"]["verdict"] == "drop"


def test_sample_n_per_source_and_same_seed_same_sample(small_corpus: Path, tmp_path: Path) -> None:
    outs = [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    for out, seed in zip(outs, ["1", "1", "2"], strict=True):
        code, _, stderr = audit(
            str(small_corpus),
            "--source-field",
            "src",
            "--out",
            str(out),
            "--sample-n",
            "12",
            "--seed",
            seed,
        )
        assert code == 0, stderr
    a, b, c = (results(o) for o in outs)
    for s in a["sources"]:
        assert s["n_scanned"] == 12 and s["n_docs"] == 40
    assert a["sources"] == b["sources"]
    lines = [(out / "flagged.jsonl").read_text("utf-8") for out in outs]
    assert lines[0] == lines[1]
    assert lines[0] != lines[2] or a["sources"] != c["sources"]


def test_resume_skips_completed_shards(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for i in range(3):
        rows = [{"text": f"第{i}个来源的第{n}条普通文本"} for n in range(30)]
        write_jsonl(corpus / f"src{i}.jsonl", rows)
    out = tmp_path / "out"
    code, _, stderr = audit(str(corpus), "--out", str(out), "--sample-rate", "0.5")
    assert code == 0, stderr
    first = results(out)
    state = sorted((out / ".audit" / "shards").glob("*.json"))
    assert len(state) == 3
    # an interrupted run: one shard never finished, the others did
    state[0].unlink()
    kept = {p: p.stat().st_mtime_ns for p in state[1:]}
    code, _, stderr = audit(str(corpus), "--out", str(out), "--sample-rate", "0.5")
    assert code == 0, stderr
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())
    assert state[0].exists()
    second = results(out)
    assert second["sources"] == first["sources"]
    # other settings in the same folder are refused, not mixed in
    code, _, stderr = audit(str(corpus), "--out", str(out), "--sample-rate", "0.2")
    assert code == 2
    assert "--fresh" in stderr and "设置不同" in stderr
    code, _, stderr = audit(str(corpus), "--out", str(out), "--sample-rate", "0.2", "--fresh")
    assert code == 0, stderr


def test_bad_input_is_reported_per_source_not_a_crash(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "ok.jsonl", [{"text": "普通文本"}] * 3)
    (corpus / "junk.jsonl").write_bytes(b"\x00\x01binary\n{broken\n" + "国标".encode("gb18030"))
    (corpus / "empty.jsonl").write_bytes(b"")
    out = tmp_path / "out"
    code, _, stderr = audit(str(corpus), "--out", str(out))
    assert code == 0, stderr
    sources = by_source(results(out))
    assert sources["junk"]["problems"] == {"binary": 1, "corrupt_line": 1, "truncated_line": 1}
    assert sources["junk"]["verdict"] == "no_data"
    assert sources["ok"]["n_docs"] == 3
    assert sources["empty"]["problems"] == {"empty_file": 1}
    assert sources["empty"]["n_docs"] == 0 and sources["empty"]["verdict"] == "no_data"
    assert "binary" in (out / "report.html").read_text("utf-8")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["/nonexistent/corpus.jsonl"], "/nonexistent/corpus.jsonl"),
        (["{corpus}", "--sample-rate", "1.5"], "sample_rate"),
        (["{corpus}", "--sample-rate", "0.1", "--sample-n", "5"], "not both"),
        (["{corpus}", "--policy", "no-such-pack"], "no-such-pack"),
    ],
)
def test_bad_options_are_named(
    small_corpus: Path, tmp_path: Path, args: list[str], needle: str
) -> None:
    filled = [a.replace("{corpus}", str(small_corpus)) for a in args]
    code, _, stderr = audit(*filled, "--out", str(tmp_path / "out"))
    assert code == 2
    assert needle in stderr
    assert "Traceback" not in stderr
