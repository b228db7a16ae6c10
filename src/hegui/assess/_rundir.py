"""The output folder of a run: what run it is, the drawn items, and every answer as it arrives.

``run.json`` names the run (model, endpoint, policy, suite and its digest, seed, sample sizes);
a folder holding a different run is refused rather than mixed. ``answers.jsonl`` is appended
and flushed after each answer, so an interrupted run loses nothing it was told; a resumed run
reads it and asks the model only for the rest.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hegui.assess._bank import BankItem
from hegui.assess._judge import Judgment
from hegui.errors import HeguiError

MANIFEST = "run.json"
SAMPLE = "sample.jsonl"
ANSWERS = "answers.jsonl"
JUDGMENTS = "judgments.jsonl"
REVIEW = "review.jsonl"
RESULTS = "results.json"
REPORT = "report.html"
LOGS = "logs"


class RunIdentity(BaseModel):
    """What makes two invocations the same run (so the second resumes the first)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    """Model name sent to the endpoint."""
    base_url: str
    """The endpoint's OpenAI base URL."""
    policy: str
    """Policy pack id and version."""
    suite: str
    """Suite id and version."""
    suite_digest: str
    """SHA-256 of the bank files the items were drawn from."""
    seed: int
    """Sampling seed."""
    sample_sizes: dict[str, int]
    """Items asked per bank kind."""
    llm_judge: str | None = None
    """``model@base_url`` of the LLM judge, if any."""
    e5: bool = True
    """Whether the cascade's e5 tier judged answers (as the policy sets it)."""


class RunManifest(BaseModel):
    """``run.json``: the run's identity and when it was started."""

    model_config = ConfigDict(extra="forbid")

    identity: RunIdentity
    """What the run is."""
    suite_ref: str
    """The suite as given (id or folder), to reload it for review and report."""
    policy_ref: str | None
    """The policy as given, when it overrode the suite's."""
    started: dt.datetime
    """When the run was first started (UTC)."""
    hegui_version: str
    """hegui version that started it."""
    inspect_ai_version: str
    """inspect-ai version that ran it."""


class StoredAnswer(BaseModel):
    """One answer as the model gave it."""

    model_config = ConfigDict(frozen=True)

    id: str
    """Bank item id."""
    answer: str
    """The answer text."""
    answered_at: dt.datetime
    """When it arrived (UTC)."""
    seconds: float = Field(ge=0)
    """How long the request took, retries included."""


class RunDir:
    """An output folder, opened for one run identity."""

    def __init__(self, path: Path, manifest: RunManifest) -> None:
        self.path = path
        self.manifest = manifest
        self._answers: dict[str, StoredAnswer] = read_answers(path)

    @classmethod
    def open(cls, path: Path, manifest: RunManifest) -> RunDir:
        """Create the folder for a new run, or reopen it for the same run.

        Raises :class:`HeguiError` when the folder holds a different run (naming what
        differs) or other files that are not a hegui run.
        """
        existing = read_manifest(path) if (path / MANIFEST).exists() else None
        if existing is None:
            if path.exists() and any(path.iterdir()):
                raise HeguiError(
                    "output folder is not empty and holds no hegui run (run.json); "
                    "choose a new or empty folder",
                    "输出文件夹非空且不含 hegui 评估（run.json）；请换用新的或空的文件夹",
                    str(path),
                )
            path.mkdir(parents=True, exist_ok=True)
            write_json(path / MANIFEST, manifest.model_dump(mode="json"))
            return cls(path, manifest)
        differs = _differences(existing.identity, manifest.identity)
        if differs:
            listed = "; ".join(differs)
            raise HeguiError(
                f"output folder holds a different run ({listed}); use a new --out folder, "
                "or the same options to resume it",
                f"输出文件夹中是另一次评估（{listed}）；"
                "请换用新的 --out 文件夹，或使用相同参数续跑",
                str(path / MANIFEST),
            )
        return cls(path, existing)

    def answer(self, item_id: str) -> StoredAnswer | None:
        return self._answers.get(item_id)

    def answered(self) -> int:
        return len(self._answers)

    def add_answer(self, answer: StoredAnswer) -> None:
        """Append and flush one answer at once, so an interruption cannot lose it."""
        with (self.path / ANSWERS).open("a", encoding="utf-8") as handle:
            handle.write(answer.model_dump_json() + "\n")
            handle.flush()
        self._answers[answer.id] = answer

    def write_sample(self, items: list[BankItem]) -> None:
        if not (self.path / SAMPLE).exists():
            _write_lines(
                self.path / SAMPLE, [json.dumps(i.row(), ensure_ascii=False) for i in items]
            )

    def write_judgments(self, judgments: list[Judgment]) -> None:
        _write_lines(self.path / JUDGMENTS, [j.model_dump_json() for j in judgments])


def read_manifest(path: Path) -> RunManifest:
    """The manifest of the run in ``path``; :class:`HeguiError` when there is none or it is bad."""
    where = path / MANIFEST
    try:
        return RunManifest.model_validate_json(where.read_bytes())
    except OSError:
        raise HeguiError(
            "no hegui run here (run.json missing)",
            "此处没有 hegui 评估（缺少 run.json）",
            str(path),
        ) from None
    except ValidationError as exc:
        raise HeguiError(
            f"run.json is damaged: {exc.errors()[0]['msg']}",
            f"run.json 已损坏：{exc.errors()[0]['msg']}",
            str(where),
        ) from None


def read_judgments(path: Path) -> list[Judgment]:
    """The judgments a finished run wrote."""
    where = path / JUDGMENTS
    try:
        lines = where.read_text("utf-8").splitlines()
    except OSError:
        raise HeguiError(
            "the run has no judgments yet; finish it first (run hegui assess again to resume)",
            "该评估尚无判定结果；请先完成评估（再次运行 hegui assess 即可续跑）",
            str(where),
        ) from None
    return [Judgment.model_validate_json(line) for line in lines if line.strip()]


def read_sample(path: Path) -> list[BankItem]:
    """The items the run in ``path`` drew, in order."""
    where = path / SAMPLE
    try:
        lines = where.read_text("utf-8").splitlines()
    except OSError:
        raise HeguiError(
            "no drawn items here (sample.jsonl missing)",
            "此处没有抽样题目（缺少 sample.jsonl）",
            str(path),
        ) from None
    return [BankItem.model_validate_json(line) for line in lines if line.strip()]


def read_answers(path: Path) -> dict[str, StoredAnswer]:
    """Answers stored in ``path``, by item id; a cut-short last line is dropped (asked again)."""
    where = path / ANSWERS
    if not where.exists():
        return {}
    answers: dict[str, StoredAnswer] = {}
    lines = where.read_bytes().splitlines()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            stored = StoredAnswer.model_validate_json(raw)
        except ValidationError:
            if number == len(lines):
                continue  # a write cut short by an interruption: that answer is asked again
            raise HeguiError(
                "answers file has a damaged line; remove that line to ask that item again",
                "答案文件中有一行已损坏；删除该行即可重新提问该题",
                f"{where}:{number}",
            ) from None
        answers[stored.id] = stored
    return answers


def _differences(old: RunIdentity, new: RunIdentity) -> list[str]:
    a, b = old.model_dump(), new.model_dump()
    return [f"{key}: {a[key]} ≠ {b[key]}" for key in a if a[key] != b[key]]


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON (via a temporary file, so a reader never sees half)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _write_lines(path: Path, lines: list[str]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    tmp.replace(path)
