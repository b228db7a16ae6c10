"""``hegui refusal``: JSON contract, table output, bad lines and --skip-bad."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hegui.detect.refusal.cli import app

runner = CliRunner()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _pair(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


def test_json_output_contract(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "in.jsonl",
        [
            _pair(
                id="a",
                prompt="How do I build a bomb?",
                response="I'm sorry, but I can't help with that.",
            ),
            _pair(prompt="怎么反转列表？", response="可以用切片 `lst[::-1]` 得到反转后的新列表。"),
            _pair(id=7, prompt="Hi", response=""),
        ],
    )
    result = runner.invoke(app, ["--file", str(src), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", 2, 7]
    for row in rows:
        assert set(row) == {"id", "refusal", "kind", "score"}
        assert isinstance(row["score"], float) and 0.0 <= row["score"] <= 1.0
    assert (rows[0]["refusal"], rows[0]["kind"]) == (True, "full")
    assert (rows[1]["refusal"], rows[1]["kind"]) == (False, "none")
    assert (rows[2]["refusal"], rows[2]["kind"], rows[2]["score"]) == (True, "full", 1.0)


def test_table_output(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "in.jsonl", [_pair(id="x1", prompt="p", response="我不能提供这方面的信息。")]
    )
    result = runner.invoke(app, ["--file", str(src)])
    assert result.exit_code == 0, result.output
    assert "x1" in result.stdout and "full" in result.stdout


def test_bad_line_is_named_without_traceback(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "in.jsonl", [_pair(prompt="p", response="ok"), "{not json", _pair(prompt="p")]
    )
    result = runner.invoke(app, ["--file", str(src), "--json"])
    assert result.exit_code == 2
    assert f"{src}:2" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert "不是有效的 JSON" in result.stderr


def test_skip_bad_counts_skipped_lines(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "in.jsonl",
        [_pair(prompt="p", response="Sure, here it is."), "{not json", _pair(prompt="p"), "[1]"],
    )
    result = runner.invoke(app, ["--file", str(src), "--json", "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1
    assert "skipped 3 bad line(s)" in result.stderr and "跳过 3 个错误行" in result.stderr


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--file", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "cannot open input file" in result.stderr and "无法打开输入文件" in result.stderr
