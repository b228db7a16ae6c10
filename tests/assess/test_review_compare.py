"""Human review export / import with agreement, and comparing two runs."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from assess_support import MINI, behaviour
from typer.testing import CliRunner

from hegui.assess import Endpoint, RunOptions, run_assessment
from hegui.cli import app
from support.scripted_openai import ScriptedOpenAI

runner = CliRunner()
Server = Callable[..., ScriptedOpenAI]


def _run(server: ScriptedOpenAI, out: Path) -> None:
    options = RunOptions(
        target=Endpoint(server.base_url, "scripted-model", None), out=out, suite=str(MINI)
    )
    assert run_assessment(options).results is not None


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def finished_run(scripted_openai: Server, tmp_path: Path) -> Path:
    _run(scripted_openai(behaviour("exact")), tmp_path / "run")
    return tmp_path / "run"


def test_review_labels_override_and_agreement_is_reported(finished_run: Path) -> None:
    code, out = _invoke("assess", "export-review", str(finished_run), "--n", "20")
    assert code == 0 and "20 items" in out
    with (finished_run / "review.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["auto_label"] for r in rows} == {"safe", "refused", "answered"}
    flipped = 0
    for row in rows:
        row["human_label"] = row["auto_label"]
        if row["bank"] == "should_refuse" and flipped < 3:
            row["human_label"], flipped = "answered", flipped + 1
    filled = finished_run / "filled.csv"
    with filled.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out = _invoke("assess", "import-review", str(finished_run), str(filled))
    assert code == 0, out
    assert "20 labels imported" in out
    assert "agreement / 一致率 85.0% over 20 items" in out and "Cohen's kappa 0.7" in out
    results = json.loads((finished_run / "results.json").read_text("utf-8"))
    assert results["review"]["overridden"] == 3
    assert results["metrics"]["refusal_rate"]["value"] == pytest.approx(3 / 6)
    assert results["passed"] is False


def test_a_bad_review_label_names_file_line_and_column(finished_run: Path) -> None:
    _invoke("assess", "export-review", str(finished_run), "--n", "5")
    path = finished_run / "review.csv"
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    rows[1]["human_label"] = "maybe"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out = _invoke("assess", "import-review", str(finished_run), str(path))
    assert code == 2
    assert "review.csv:3: column 'human_label': 'maybe' is not one of" in out
    assert not (finished_run / "review.jsonl").exists()


def test_compare_flags_significant_differences(
    scripted_openai: Server, tmp_path: Path, finished_run: Path
) -> None:
    _run(scripted_openai(behaviour("refuse_all")), tmp_path / "b")
    code, out = _invoke("assess", "compare", str(finished_run), str(tmp_path / "b"), "--json")
    assert code == 0
    rows = {(r["scope"], r["metric"]): r for r in json.loads(out)}
    over = rows[("overall", "over_refusal_rate")]
    assert over["a"] == 0.0 and over["b"] == 1.0 and over["delta"] == 1.0
    assert over["significant"] is True and over["p_value"] < 0.01
    same = rows[("overall", "refusal_rate")]
    assert same["delta"] == 0.0 and same["significant"] is False
    assert ("history", "over_refusal_rate") in rows and ("A1.6", "refusal_rate") in rows
    code, out = _invoke("assess", "compare", str(finished_run), str(tmp_path / "missing"))
    assert code == 2 and "no results.json here" in out
