"""The TC260 manual check: draw the review sample, export it, import and score the labels.

``draw_sample`` picks ``n`` documents uniformly from the whole corpus (the ``n`` smallest
sampling keys, so the same seed gives the same sample, resumed or not), runs the corpus
cascade on each for the annotators' reference, and writes ``manual_sample.csv`` and
``manual_sample.xlsx``.
Annotators fill the ``label`` column with ``pass``/``合格`` or ``fail``/``不合格``;
``import_review`` scores the file against the policy's ``manual_corpus_check`` bars.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from hegui.corpus._audit import CHUNK, ProgressHook, first_pass, make_runner
from hegui.corpus._models import AuditSettings, Engine, ManualCheck
from hegui.corpus._results import requirement
from hegui.corpus._sampling import GroupSample
from hegui.corpus._shards import find_files, plan_shards
from hegui.corpus._state import RunState, manifest_of
from hegui.errors import HeguiError
from hegui.policy import load_policy
from hegui.stats import wilson

CSV_NAME = "manual_sample.csv"
XLSX_NAME = "manual_sample.xlsx"
XLSX_CELL_LIMIT = 32_000
COLUMNS = [
    ("item", "编号"),
    ("source", "来源"),
    ("file", "文件"),
    ("place", "位置"),
    ("text", "文本"),
    ("detector_decision", "检测结论"),
    ("detector_risks", "检测风险"),
    ("evidence", "证据"),
    ("label", "标注 pass 合格 / fail 不合格"),
    ("risk", "风险编号（可选）"),
    ("note", "备注"),
]
PASS = {"pass", "合格", "ok", "safe", "1"}
FAIL = {"fail", "不合格", "unsafe", "0"}


def draw_sample(
    settings: AuditSettings,
    n: int,
    out: Path,
    engine: Engine = Engine.LOCAL,
    workers: int | None = 1,
    ray_address: str | None = None,
    fresh: bool = False,
    on_progress: ProgressHook | None = None,
) -> tuple[list[Path], int, int]:
    """Write the review sample; returns ``(files written, items, documents in the corpus)``.

    Resumable like an audit: each read shard's candidates are kept in ``OUT/.sample/``, and a
    rerun of the same command reads only the shards not done yet. The chosen items (at most
    ``n``) are then scanned and written in one go.
    """
    files = find_files(settings.paths)
    shards = plan_shards(files, settings.shard_mb)
    out.mkdir(parents=True, exist_ok=True)
    state = RunState(out, "sample")
    state.open(manifest_of(settings, files, n=n), fresh)
    config = settings.model_dump(mode="json")
    sample = GroupSample(n)
    runner = make_runner(engine, workers, ray_address)
    try:
        first_pass(runner, state, shards, config, sample, "all", on_progress)
        chosen = sample.documents()
        chunks = [chosen[i : i + CHUNK] for i in range(0, len(chosen), CHUNK)]
        evidence = [
            record
            for scanned in runner.scan_chunks(chunks, config, evidence=True)
            for record in scanned["evidence"]
        ]
    finally:
        runner.close()
    total = sum(int(state.load(shard)["n_docs"]) for shard in shards)
    rows = [
        _row(i, doc, record)
        for i, (doc, record) in enumerate(zip(chosen, evidence, strict=True), 1)
    ]
    written = [_write_csv(out / CSV_NAME, rows), _write_xlsx(out / XLSX_NAME, rows)]
    return written, len(rows), total


def _row(item: int, doc: dict[str, Any], record: dict[str, Any]) -> list[str]:
    place = f"{doc['locator']} {doc['number']}"
    evidence = "; ".join(
        f"{e['text']} [{e['label']}/{e['detector']} {e['score']:.2f}]" for e in record["evidence"]
    )
    risks = "; ".join(f"{r['id']} {r['score']:.2f} ({r['detector']})" for r in record["risks"])
    return [
        str(item),
        doc["source"],
        doc["file"],
        place,
        doc["text"],
        record["decision"],
        risks,
        evidence,
        "",
        "",
        "",
    ]


def _header() -> list[str]:
    return [f"{key} {zh}" for key, zh in COLUMNS]


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_header())
        writer.writerows(rows)
    return path


def _write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "manual_sample"
    sheet.append(_header())
    for row in rows:
        cells = [ILLEGAL_CHARACTERS_RE.sub("\ufffd", cell)[:XLSX_CELL_LIMIT] for cell in row]
        sheet.append(cells)
    sheet.freeze_panes = "A2"
    book.save(path)
    return path


def _read_rows(path: Path) -> list[list[str]]:
    if not path.exists():
        raise HeguiError("review file not found", "找不到标注文件", str(path))
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for a damaged file
            raise HeguiError(
                f"not a readable .xlsx file ({type(exc).__name__})",
                "不是可读取的 .xlsx 文件",
                str(path),
            ) from None
        sheet = book.worksheets[0]
        return [
            ["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    if path.suffix.lower() == ".csv":
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                return list(csv.reader(handle))
        except UnicodeDecodeError:
            with path.open(encoding="gb18030", newline="") as handle:
                return list(csv.reader(handle))
    raise HeguiError("review file must be .csv or .xlsx", "标注文件必须是 .csv 或 .xlsx", str(path))


def _column(header: list[str], key: str, path: Path) -> int:
    for index, name in enumerate(header):
        if name.strip().split(" ")[0].lower() == key:
            return index
    raise HeguiError(
        f"column '{key}' not found in the header",
        f"表头中找不到“{key}”列",
        f"{path}:1",
    )


def import_review(path: Path, policy: str) -> ManualCheck:
    """Score the annotators' labels in ``path`` against the policy's manual-check bars."""
    pack = load_policy(policy)
    min_n = int(requirement(pack, "manual_corpus_check", "min_n"))
    min_rate = requirement(pack, "manual_corpus_check", "min_pass_rate")
    rows = _read_rows(path)
    if not rows:
        raise HeguiError("review file is empty", "标注文件为空", str(path))
    header, body = rows[0], rows[1:]
    label_at = _column(header, "label", path)
    decision_at = _column(header, "detector_decision", path)
    n = passed = agree = 0
    for number, row in enumerate(body, start=2):
        if not any(cell.strip() for cell in row):
            continue
        label = row[label_at].strip().lower() if label_at < len(row) else ""
        if label in PASS:
            ok = True
        elif label in FAIL:
            ok = False
        else:
            shown = repr(label) if label else "empty"
            raise HeguiError(
                f"label is {shown}; write pass / 合格 or fail / 不合格",
                f"标注为{shown}；请填写 pass / 合格 或 fail / 不合格",
                f"{path}:{number} (column label)",
            )
        n += 1
        passed += ok
        detector = row[decision_at].strip() if decision_at < len(row) else ""
        agree += (detector == "block") == (not ok)
    if n == 0:
        raise HeguiError("review file has no labelled rows", "标注文件中没有已标注的行", str(path))
    low, high = wilson(passed, n)
    rate = passed / n
    return ManualCheck(
        file=str(path),
        n=n,
        n_pass=passed,
        pass_rate=rate,
        ci_low=low,
        ci_high=high,
        min_n=min_n,
        min_pass_rate=min_rate,
        passed=n >= min_n and rate >= min_rate,
        detector_agreement=agree / n,
    )
