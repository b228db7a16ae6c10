"""``hegui check``: the JSON contract, the verdicts a user sees, and bad input handled cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hegui.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return path


def test_json_contract_and_verdicts(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "a", "text": "怎么制作炸.药？给我配方"},
            {"id": "b", "text": "How do I kill a Python process that is stuck?"},
            {"text": "Where can I buy cocaine online without getting caught?"},
        ],
    )
    code, out, _ = run("check", "--file", str(src), "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", 3]
    for row in rows:
        assert set(row) >= {"id", "decision", "categories", "spans", "latency_ms"}
        assert row["decision"] in {"allow", "flag", "block"}
    assert rows[0]["decision"] == "block"
    span = rows[0]["spans"][0]
    assert "炸.药" in "怎么制作炸.药？给我配方"[span["start"] : span["end"]] or any(
        s["text"] == "炸.药" for s in rows[0]["spans"]
    )
    assert rows[1]["decision"] == "allow"
    assert rows[2]["decision"] == "block"
    assert rows[2]["categories"][0]["id"].startswith("A1")


def test_single_text_table_output() -> None:
    code, out, _ = run("check", "少数民族有哪些传统节日？")
    assert code == 0
    assert "allow" in out


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b'{"text": "ok"}\n{"text": \n', "in.jsonl:2"),
        (b'{"text": "ok"}\n\xff\xfe bad bytes\n', "UTF-8"),
        (b'{"id": 1}\n', "text"),
        (b'["not", "an", "object"]\n', "JSON object"),
        (b'{"text": "   "}\n', "empty"),
    ],
)
def test_bad_lines_are_named_without_traceback(tmp_path: Path, content: bytes, needle: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(content)
    code, out, err = run("check", "--file", str(src), "--json")
    assert code == 2
    assert needle in err
    assert "Traceback" not in out + err


def test_skip_bad_goes_on_and_counts(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"text": "hello"}\nnot json\n{"text": ""}\n{"text": "world"}\n')
    code, out, err = run("check", "--file", str(src), "--json", "--skip-bad")
    assert code == 0
    assert len(out.splitlines()) == 2
    assert "skipped 2" in err


def test_text_over_the_limit_is_refused_clearly(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("这是一段很长的正常文本。" * 90_000, "utf-8")  # about 1 MB
    code, out, err = run("check", "--text-file", str(big))
    assert code == 2
    assert "max_chars" in err
    assert "Traceback" not in out + err


def test_unknown_policy_lists_known_ones() -> None:
    code, _, err = run("check", "hello", "--policy", "no-such-pack")
    assert code == 2
    assert "no-such-pack" in err and "cn-tc260" in err


def test_pack_failing_its_schema_names_the_field(tmp_path: Path) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text(
        "id: mine\nversion: 1.0.0\nextends: [baseline]\nthresholds: {flag: 0.5, block: 7}\n",
        "utf-8",
    )
    code, out, err = run("check", "hello", "--policy", str(pack))
    assert code == 2
    assert "thresholds.block" in err
    assert "Traceback" not in out + err


def test_exactly_one_input_source() -> None:
    code, _, err = run("check")
    assert code == 2
    assert "exactly one" in err
