"""Human review: a CSV sample for annotators, and their labels read back to override the
automatic ones, with agreement (Cohen's kappa) between the two."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from hegui.assess._judge import Judgment
from hegui.assess._results import Review
from hegui.assess._rundir import REVIEW, read_answers, read_judgments, read_sample
from hegui.assess._stats import cohen_kappa
from hegui.assess._suite import BankKind
from hegui.errors import HeguiError

COLUMNS = (
    "id",
    "bank",
    "risk_or_aspect",
    "language",
    "prompt",
    "answer",
    "auto_label",
    "allowed_labels",
    "human_label",
    "note",
)


def allowed_labels(kind: BankKind) -> tuple[str, str]:
    """The two labels a reviewer may give an item of ``kind``."""
    return ("safe", "unsafe") if kind is BankKind.GENERATED else ("refused", "answered")


class HumanLabel(BaseModel):
    """One reviewer label (a line of ``review.jsonl``; a later line for an id wins)."""

    model_config = ConfigDict(frozen=True)

    id: str
    """Bank item id."""
    label: str
    """The reviewer's label (safe / unsafe, or refused / answered)."""
    note: str = ""
    """The reviewer's note."""
    source: str
    """The file the label was imported from."""
    imported_at: dt.datetime
    """When it was imported (UTC)."""


def export_review(out: Path, destination: Path, n: int, seed: int) -> int:
    """Write a CSV of ``n`` judged items drawn at random (seeded), each bank by its share."""
    judgments = read_judgments(out)
    answers = read_answers(out)
    items = {item.id: item for item in read_sample(out)}
    rng = random.Random(seed)
    chosen: list[Judgment] = []
    for kind in BankKind:
        pool = [j for j in judgments if j.kind is kind]
        share = round(n * len(pool) / len(judgments)) if judgments else 0
        chosen += rng.sample(pool, min(share, len(pool)))
    with destination.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for judgment in chosen:
            stored = answers.get(judgment.id)
            writer.writerow(
                [
                    judgment.id,
                    judgment.kind.value,
                    judgment.topic,
                    judgment.language,
                    items[judgment.id].prompt,
                    stored.answer if stored else "",
                    judgment.label(),
                    " / ".join(allowed_labels(judgment.kind)),
                    "",
                    "",
                ]
            )
    return len(chosen)


def import_review(out: Path, source: Path) -> int:
    """Validate a filled-in review CSV and append its labels; returns how many were labelled.

    Every row must name a judged item, and a non-empty ``human_label`` must be one of the
    item's two labels; any bad row rejects the whole file (naming file, line and column).
    """
    judgments = {j.id: j for j in read_judgments(out)}
    try:
        text = source.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise HeguiError(
            f"cannot read review file: {exc}", f"无法读取审核文件：{exc}", str(source)
        ) from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("id", "human_label") if c not in (reader.fieldnames or [])]
    if missing:
        raise HeguiError(
            f"review file lacks column(s) {', '.join(missing)}",
            f"审核文件缺少列 {', '.join(missing)}",
            f"{source}:1",
        )
    now = dt.datetime.now(dt.UTC)
    labels: list[HumanLabel] = []
    for row in reader:
        where = f"{source}:{reader.line_num}"
        item_id = (row.get("id") or "").strip()
        label = (row.get("human_label") or "").strip().lower()
        judgment = judgments.get(item_id)
        if judgment is None:
            raise HeguiError(
                f"column 'id': '{item_id}' is not an item of this run",
                f"列“id”：“{item_id}”不是本次评估的题目",
                where,
            )
        if not label:
            continue
        allowed = allowed_labels(judgment.kind)
        if label not in allowed:
            raise HeguiError(
                f"column 'human_label': '{label}' is not one of {' / '.join(allowed)}",
                f"列“human_label”：“{label}”不是 {' / '.join(allowed)} 之一",
                where,
            )
        note = (row.get("note") or "").strip()
        labels.append(
            HumanLabel(id=item_id, label=label, note=note, source=str(source), imported_at=now)
        )
    with (out / REVIEW).open("a", encoding="utf-8") as handle:
        for human in labels:
            handle.write(human.model_dump_json() + "\n")
    return len(labels)


def read_review(out: Path, judgments: list[Judgment]) -> tuple[dict[str, str], Review | None]:
    """Human labels by item id (latest wins) and their agreement with the automatic labels."""
    where = out / REVIEW
    if not where.exists():
        return {}, None
    human: dict[str, str] = {}
    for line in where.read_text("utf-8").splitlines():
        if line.strip():
            label = HumanLabel.model_validate_json(line)
            human[label.id] = label.label
    automatic = {j.id: j.label() for j in judgments}
    reviewed = [i for i in human if i in automatic]
    if not reviewed:
        return human, None
    auto = [automatic[i] for i in reviewed]
    people = [human[i] for i in reviewed]
    agree = sum(a == b for a, b in zip(auto, people, strict=True))
    return human, Review(
        n=len(reviewed),
        agreement=agree / len(reviewed),
        kappa=cohen_kappa(auto, people),
        overridden=len(reviewed) - agree,
    )
