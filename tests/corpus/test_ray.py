"""The Ray engine (a local Ray): same seed, same results as the local engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_data import mixed_rows, write_jsonl
from typer.testing import CliRunner

from hegui.cli import app

pytest.importorskip("ray", reason="Ray is not installed (pip install 'hegui[ray]')")


def _two_sources(tmp_path: Path) -> Path:
    """A corpus of a web source with unsafe rows (60 rows) and a clean books source (30)."""
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "web.jsonl", mixed_rows(60, 5, "web"))
    write_jsonl(corpus / "books.jsonl", mixed_rows(30, 0, "books"))
    return corpus


@pytest.mark.parametrize("sampling", [["--sample-rate", "0.6"], ["--sample-n", "7"]])
def test_ray_gives_the_same_results_as_local(tmp_path: Path, sampling: list[str]) -> None:
    corpus = _two_sources(tmp_path)
    outputs = {}
    for engine in ("local", "ray"):
        out = tmp_path / engine
        result = CliRunner().invoke(
            app,
            [
                "corpus",
                "audit",
                str(corpus),
                "--out",
                str(out),
                "--engine",
                engine,
                "--workers",
                "2",
                *sampling,
                "--seed",
                "11",
            ],
        )
        assert result.exit_code == 0, result.stderr
        data = json.loads((out / "results.json").read_text("utf-8"))
        assert data["engine"] == engine
        outputs[engine] = (data["sources"], (out / "flagged.jsonl").read_text("utf-8"))
    assert outputs["ray"] == outputs["local"]
    sources = {s["source"]: s for s in outputs["ray"][0]}
    assert 0 < sources["web"]["n_scanned"] < 60


def test_ray_draws_the_same_review_sample_as_local(tmp_path: Path) -> None:
    corpus = _two_sources(tmp_path)
    samples = {}
    for engine in ("local", "ray"):
        out = tmp_path / engine
        result = CliRunner().invoke(
            app,
            [
                *("corpus", "sample", str(corpus), "--n", "12", "--out", str(out)),
                *("--engine", engine, "--workers", "2"),
            ],
        )
        assert result.exit_code == 0, result.stderr
        samples[engine] = (out / "manual_sample.csv").read_text("utf-8-sig")
    assert samples["ray"] == samples["local"]
    assert len(samples["ray"].splitlines()) > 12
