"""``hegui keywords stats`` on a temporary library and a small policy pack built here."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hegui.detect.keywords import cli


@dataclass
class Risk:
    id: str
    labels: list[str]


@dataclass
class Requirement:
    values: dict[str, Any] = field(default_factory=dict)
    min_per_risk: dict[str, int] = field(default_factory=dict)


@dataclass
class Pack:
    id: str
    risks: list[Risk]
    requirements: dict[str, Requirement]


PACK = Pack(
    id="tiny",
    risks=[Risk("R1", ["violence", "terrorism"]), Risk("R2", ["drugs"]), Risk("R3", ["A2.5"])],
    requirements={
        "keyword_library": Requirement(
            values={"min_total": 4, "max_age_days": 7},
            min_per_risk={"R1": 2, "R2": 2, "R3": 1},
        )
    },
)

runner = CliRunner()


@pytest.fixture()
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(cli, "_load_pack", lambda policy_id: PACK)
    today = dt.date.today().isoformat()
    rows = [
        "炸药\tviolence\t0.9\tzh",
        "bomb\tviolence\t0.5\ten",
        "恐袭\tterrorism\t0.8\tzh",
        "冰毒\tdrugs\t0.9\tzh",
        "meth\tdrugs\t0.6\tany",
    ]
    path = tmp_path / "lib.tsv"
    path.write_text(f"# updated: {today}\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_stats_json_counts_and_floors(library: Path) -> None:
    result = runner.invoke(cli.app, ["stats", "--library", str(library), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] == 5
    assert report["labels"] == {"drugs": 2, "terrorism": 1, "violence": 2}
    assert report["langs"] == {"any": 1, "en": 1, "zh": 3}
    assert report["age_days"] == 0
    assert report["per_risk"] == {"R1": 3, "R2": 2, "R3": 0}
    floors = {f["name"]: f["passed"] for f in report["floors"]}
    assert floors == {"total": True, "age_days": True, "R1": True, "R2": True, "R3": False}
    assert report["passed"] is False


def test_extra_operator_file_can_close_a_gap(library: Path, tmp_path: Path) -> None:
    extra = tmp_path / "operator.tsv"
    extra.write_text("女司机都不行\tA2.5\t0.6\tzh\n", encoding="utf-8")
    args = ["stats", "--library", str(library), "--extra", str(extra), "--json", "--strict"]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["passed"] is True


def test_table_output_and_strict_exit(library: Path) -> None:
    result = runner.invoke(cli.app, ["stats", "--library", str(library)])
    assert result.exit_code == 0, result.output
    assert "FAIL" in result.stdout
    assert "R3" in result.stdout
    assert "5" in result.stdout
    strict = runner.invoke(cli.app, ["stats", "--library", str(library), "--strict"])
    assert strict.exit_code == 1


def test_bad_file_is_a_message_not_a_traceback(library: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("炸药\tviolence\t2\tzh\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["stats", "--library", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:1" in result.output
    assert "权重" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
