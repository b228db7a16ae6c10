"""The TC260 manual check: ``corpus sample`` exports, ``corpus import-review`` scores."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from corpus_data import mixed_rows, write_jsonl
from openpyxl import load_workbook
from typer.testing import CliRunner

from hegui.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["corpus", *args])
    return result.exit_code, result.stdout, result.stderr


def label_csv(source: Path, target: Path, fail_every: int) -> None:
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    at = next(i for i, name in enumerate(header) if name.startswith("label"))
    for n, row in enumerate(rows[1:]):
        row[at] = "不合格" if fail_every and n % fail_every == 0 else "pass"
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def test_sample_export_and_import_scored_against_the_pack(
    small_corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "review"
    code, stdout, stderr = run(
        "sample",
        str(small_corpus),
        "--n",
        "30",
        "--out",
        str(out),
        "--source-field",
        "src",
        "--workers",
        "2",
    )
    assert code == 0, stderr
    assert "30" in stdout
    with (out / "manual_sample.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 30
    assert len({(r["file 文件"], r["place 位置"]) for r in rows}) == 30
    blocked = [r for r in rows if r["detector_decision 检测结论"] == "block"]
    assert blocked and all(r["evidence 证据"] or r["detector_risks 检测风险"] for r in blocked)
    sheet = load_workbook(out / "manual_sample.xlsx").worksheets[0]
    assert sheet.max_row == 31
    # the default pack asks for n >= 4,000: 30 items fail whatever the labels
    labelled = tmp_path / "labelled.csv"
    label_csv(out / "manual_sample.csv", labelled, fail_every=0)
    code, stdout, stderr = run("import-review", str(labelled), "--out", str(out))
    assert code == 0, stderr
    check = json.loads((out / "manual_check.json").read_text("utf-8"))
    assert (check["n"], check["pass_rate"], check["min_n"]) == (30, 1.0, 4000)
    assert check["passed"] is False
    assert "FAIL" in stdout


def test_bars_come_from_the_policy_pack(small_corpus: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "id: small-review\nversion: 1.0.0\nextends: [cn-tc260]\nrequirements:\n"
        "  manual_corpus_check:\n    clause: test\n"
        "    description: {zh: 测试, en: test}\n"
        "    values: {min_n: 20, min_pass_rate: 0.9}\n",
        encoding="utf-8",
    )
    out = tmp_path / "review"
    code, _, stderr = run(
        "sample", str(small_corpus), "--n", "20", "--out", str(out), "--workers", "2"
    )
    assert code == 0, stderr
    for fail_every, passed in ((0, True), (5, False)):
        labelled = tmp_path / f"labelled{fail_every}.csv"
        label_csv(out / "manual_sample.csv", labelled, fail_every)
        code, _, stderr = run(
            "import-review", str(labelled), "--out", str(out), "--policy", str(pack)
        )
        assert code == 0, stderr
        check = json.loads((out / "manual_check.json").read_text("utf-8"))
        assert check["min_n"] == 20 and check["min_pass_rate"] == 0.9
        assert check["passed"] is passed


def test_import_joins_the_audit_results(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, stderr = run(
        "audit", str(small_corpus), "--out", str(out), "--workers", "2", "--sample-n", "5"
    )
    assert code == 0, stderr
    code, _, stderr = run("sample", str(small_corpus), "--n", "10", "--out", str(out))
    assert code == 0, stderr
    labelled = tmp_path / "labelled.csv"
    label_csv(out / "manual_sample.csv", labelled, fail_every=0)
    code, _, stderr = run("import-review", str(labelled), "--out", str(out))
    assert code == 0, stderr
    data = json.loads((out / "results.json").read_text("utf-8"))
    assert data["manual_check"]["n"] == 10
    assert "人工抽检 Manual check</td><td>10" in (out / "report.html").read_text("utf-8")


def test_a_bad_label_is_named_with_its_row(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "review"
    code, _, stderr = run("sample", str(small_corpus), "--n", "5", "--out", str(out))
    assert code == 0, stderr
    labelled = tmp_path / "labelled.csv"
    label_csv(out / "manual_sample.csv", labelled, fail_every=0)
    rows = labelled.read_text("utf-8").splitlines()
    labelled.write_text("\n".join(rows).replace(",pass,", ",maybe,", 1) + "\n", "utf-8")
    code, _, stderr = run("import-review", str(labelled), "--out", str(out))
    assert code == 2
    assert f"{labelled}:2" in stderr and "maybe" in stderr and "合格" in stderr
    code, _, stderr = run("import-review", str(tmp_path / "none.xlsx"), "--out", str(out))
    assert code == 2 and "none.xlsx" in stderr


def test_sample_resumes_after_an_interruption(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for i in range(4):
        write_jsonl(corpus / f"part-{i}.jsonl", mixed_rows(20, 5, f"s{i}"))
    out = tmp_path / "review"
    base = ["sample", str(corpus), "--out", str(out)]
    args = [*base, "--n", "25", "--workers", "2"]
    code, _, stderr = run(*args)
    assert code == 0, stderr
    first = (out / "manual_sample.csv").read_text("utf-8-sig")
    state = sorted((out / ".sample" / "shards").glob("*.json"))
    assert len(state) == 4
    # interrupted after three shards: their candidates are kept, the fourth is read again
    state[0].unlink()
    (out / "manual_sample.csv").unlink()
    kept = {p: p.stat().st_mtime_ns for p in state[1:]}
    code, stdout, stderr = run(*args)
    assert code == 0, stderr
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())
    assert state[0].exists()
    assert (out / "manual_sample.csv").read_text("utf-8-sig") == first
    assert "25 items drawn from 80 documents" in stdout
    # another sample size in the same folder is refused, not mixed in
    code, _, stderr = run(*base, "--n", "10")
    assert code == 2 and "--fresh" in stderr
    code, _, stderr = run(*base, "--n", "10", "--fresh")
    assert code == 0, stderr
