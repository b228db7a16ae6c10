#!/usr/bin/env python3
"""Bootstrap and run the project's jobs with nothing but Python 3.11+.

    python3 dev.py demo    # create .venv, install hegui, check the bilingual example batch
    python3 dev.py test    # create .venv, install hegui with dev tools, lint, type-check, test
    python3 dev.py bench   # run the benchmarks in bench/ (needs ../shared/datasets)

The virtual environment is rebuilt when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".hegui-installed"


def _ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036  (dev.py must run on older Pythons to say so)
        sys.exit("hegui needs Python 3.11 or newer / hegui 需要 Python 3.11 及以上版本")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv / 创建虚拟环境 .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing hegui and its pinned dependencies / 安装 hegui 及其依赖", flush=True)
    _run([str(BIN / "python"), "-m", "pip", "install", "-q", "-e", ".[dev]"])
    STAMP.write_text(wanted)


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(cmd, cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def demo() -> None:
    _run([str(BIN / "hegui"), "check", "--file", "examples/demo.jsonl"])


def _ensure_browser() -> None:
    """CI must run the browser tests: install Debian's chromium there when it is missing."""
    if os.environ.get("CI") != "true" or Path("/usr/bin/chromium").exists():
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and Path("/usr/bin/apt-get").exists():
        print("installing chromium for the browser tests / 安装 chromium", flush=True)
        quiet = {"stdout": subprocess.DEVNULL}
        subprocess.run(["apt-get", "update", "-q"], check=False, **quiet)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=False, **quiet)


def test() -> None:
    _ensure_browser()
    _run([str(BIN / "ruff"), "check", "src", "tests", "bench", "training"])
    _run([str(BIN / "mypy"), "src"])
    _run([str(BIN / "python"), "-m", "pytest", "-q"])


def bench() -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for script in (
        "keywords_engine.py",
        "detect_accuracy.py",
        "refusal_accuracy.py",
        "latency_memory.py",
        "gateway_latency.py",
        "gateway_stream.py",
        "gateway_load.py",
    ):
        print(f"== bench/{script}", flush=True)
        _run([str(BIN / "python"), f"bench/{script}"], env)


JOBS = {"demo": demo, "test": test, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in JOBS:
        sys.exit(f"usage: python3 dev.py {{{'|'.join(JOBS)}}}")
    _ensure_venv()
    JOBS[sys.argv[1]]()
