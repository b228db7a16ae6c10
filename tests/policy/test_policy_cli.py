"""``hegui policy list | show | validate | coverage`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hegui.cli import app

runner = CliRunner()


def test_list_and_show() -> None:
    listed = runner.invoke(app, ["policy", "list"])
    assert listed.exit_code == 0
    assert "cn-tc260" in listed.stdout and "baseline" in listed.stdout
    shown = runner.invoke(app, ["policy", "show", "cn-tc260"])
    assert shown.exit_code == 0
    assert "A5.2" in shown.stdout and "keyword_library" in shown.stdout
    as_json = json.loads(runner.invoke(app, ["policy", "show", "baseline", "--json"]).stdout)
    assert len(as_json["risks"]) == 12


def test_validate(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("id: good\nversion: 1.0.0\nextends: [baseline]\n", "utf-8")
    result = runner.invoke(app, ["policy", "validate", str(good)])
    assert result.exit_code == 0 and "OK" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nversion: 1.0.0\nextends: [baseline]\nactions: {public: nuke}\n")
    result = runner.invoke(app, ["policy", "validate", str(bad)])
    assert result.exit_code == 2
    assert "actions.public" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_coverage_is_honest() -> None:
    result = runner.invoke(app, ["policy", "coverage", "cn-tc260", "--json"])
    assert result.exit_code == 0
    rows = {row["risk"]: row for row in json.loads(result.stdout)}
    assert len(rows) == 31
    assert rows["A5.1"]["detectors"] == [] and rows["A5.2"]["detectors"] == []
    assert "keywords" in rows["A1.6"]["detectors"]
    assert "pii" in rows["A4.6"]["detectors"]
    table = runner.invoke(app, ["policy", "coverage", "cn-tc260"])
    assert "not covered" in table.stdout
