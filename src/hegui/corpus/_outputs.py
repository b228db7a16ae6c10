"""Writing an audit's outputs into ``--out``: ``results.json``, ``flagged.jsonl``, ``report.html``.

A manual check scored by ``hegui corpus import-review`` is kept in ``manual_check.json`` and
joined into ``results.json`` (and the report) whichever of the two commands runs last.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from hegui.corpus._models import AuditResults, ManualCheck
from hegui.corpus._report import render_report
from hegui.corpus._state import write_atomic
from hegui.errors import HeguiError

RESULTS = "results.json"
FLAGGED = "flagged.jsonl"
REPORT = "report.html"
MANUAL = "manual_check.json"


def read_manual(out: Path) -> ManualCheck | None:
    """The scored manual check saved in ``out``, if any."""
    path = out / MANUAL
    if not path.exists():
        return None
    return ManualCheck.model_validate_json(path.read_text("utf-8"))


def read_results(out: Path) -> AuditResults | None:
    """The audit results saved in ``out``, if any."""
    path = out / RESULTS
    if not path.exists():
        return None
    try:
        return AuditResults.model_validate_json(path.read_text("utf-8"))
    except ValueError as exc:
        raise HeguiError(
            f"not a hegui corpus results file ({exc.__class__.__name__})",
            "不是 hegui 语料审核结果文件",
            str(path),
        ) from None


def write_outputs(out: Path, audit: AuditResults, flagged: Iterable[str]) -> AuditResults:
    """Write all three outputs; the saved manual check, if any, is joined in."""
    audit = audit.model_copy(update={"manual_check": read_manual(out)})
    temporary = out / (FLAGGED + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.writelines(flagged)
    os.replace(temporary, out / FLAGGED)
    write_results(out, audit)
    return audit


def write_results(out: Path, audit: AuditResults) -> None:
    """Write ``results.json`` and ``report.html`` for ``audit``."""
    results = json.dumps(audit.model_dump(mode="json"), ensure_ascii=False, indent=2)
    write_atomic(out / RESULTS, results)
    write_atomic(out / REPORT, render_report(audit))


def write_manual(out: Path, check: ManualCheck) -> AuditResults | None:
    """Save a scored manual check and join it into the audit results when there are some."""
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / MANUAL, check.model_dump_json(indent=2))
    audit = read_results(out)
    if audit is not None:
        audit = audit.model_copy(update={"manual_check": check})
        write_results(out, audit)
    return audit
