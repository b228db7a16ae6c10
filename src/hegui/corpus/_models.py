"""The audit's settings and results as typed models (``results.json`` is :class:`AuditResults`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SourceFrom(StrEnum):
    """Where a document's source name comes from when no source field is given."""

    FIELD = "field"
    FILE = "file"
    DIR = "dir"


class JudgeOn(StrEnum):
    """Which figure the 5% rule is judged on: the point estimate or the 95% upper bound."""

    UPPER = "upper"
    ESTIMATE = "estimate"


class ClassifierRun(StrEnum):
    """When the n-gram classifier runs in corpus mode: on every document, or only where the
    keyword and PII tiers left a risk in the policy's uncertain band."""

    ALWAYS = "always"
    UNCERTAIN = "uncertain"


class Engine(StrEnum):
    """Where the audit runs: local processes, or Ray actors (a local or remote cluster)."""

    LOCAL = "local"
    RAY = "ray"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuditSettings(_Model):
    """Everything that decides an audit's results; a resumed audit must have the same ones."""

    paths: list[str] = Field(min_length=1)
    """Files, directories or glob patterns to read (JSONL plain/.gz/.zst, Parquet, CSV)."""
    text_field: str = "text"
    """Field (column) holding the document text."""
    source_field: str | None = None
    """Field holding the source name; when absent, ``source_from`` decides."""
    source_from: SourceFrom = SourceFrom.FILE
    """Source name from the file's name (``file``) or its directory's name (``dir``)."""
    sample_rate: float | None = Field(default=None, gt=0, le=1)
    """Scan each document with this probability (uniform, seeded); ``None`` with no
    ``sample_n`` scans every document."""
    sample_n: int | None = Field(default=None, gt=0)
    """Scan a uniform random sample of this many documents per source (seeded)."""
    seed: int = 0
    """Seed of the sampling: same seed, same documents, on any engine."""
    policy: str = "cn-tc260"
    """Policy pack id or file; its ``requirements`` hold the 5%, 96% and 98% bars."""
    embedded: bool = False
    """Run the e5 embedded tier as the policy says (off by default: it costs ~100 ms a text)."""
    classifier: ClassifierRun = ClassifierRun.UNCERTAIN
    """When the n-gram classifier runs: on every document, or only when the keyword tier left
    a risk in the uncertain band (see docs/corpus.md for the trade-off)."""
    judge_on: JudgeOn = JudgeOn.UPPER
    """The 5% rule (and the 98% technical check) judged on the interval's bound or the
    point estimate."""
    shard_mb: int = Field(default=16, gt=0)
    """Plain JSONL and CSV files are cut into shards of about this many megabytes (the unit of
    work and of resuming); a compressed file is one shard, a Parquet file one per row group."""

    @model_validator(mode="after")
    def _one_sampling(self) -> AuditSettings:
        if self.sample_rate is not None and self.sample_n is not None:
            raise ValueError("give --sample-rate or --sample-n, not both")
        if self.source_from is SourceFrom.FIELD and not self.source_field:
            raise ValueError("--source-from field needs --source-field")
        return self


class RiskShare(_Model):
    """Share of scanned documents that reached a risk's block threshold."""

    risk: str
    """Risk id of the policy."""
    name_zh: str
    """Risk name in Chinese."""
    name_en: str
    """Risk name in English."""
    n_unsafe: int
    """Scanned documents unsafe for this risk."""
    share: float
    """``n_unsafe / n_scanned``."""
    ci_low: float
    """Lower bound of the 95% Wilson interval."""
    ci_high: float
    """Upper bound of the 95% Wilson interval."""


class ProblemExample(_Model):
    """One bad-input occurrence, with where it happened."""

    kind: str
    """What was wrong (``corrupt_line``, ``missing_text_field``, ``gb18030`` …)."""
    where: str
    """``file:line``, ``file:row N`` or the file."""
    detail: str
    """The reader's message."""


class SourceResult(_Model):
    """The audit of one source (the issue's ``results.json`` contract plus detail)."""

    source: str
    """Source name."""
    n_docs: int
    """Readable documents with a text (every one, scanned or not)."""
    n_scanned: int
    """Documents the cascade scanned (all of them, or the sample)."""
    n_unsafe: int
    """Scanned documents the cascade judged unsafe (a risk at its block threshold)."""
    n_flagged: int
    """Scanned documents flagged for review (below block, at or above flag)."""
    unsafe_share: float | None
    """``n_unsafe / n_scanned``; ``None`` when nothing was scanned."""
    ci_low: float | None
    """Lower bound of the 95% Wilson interval of the unsafe share."""
    ci_high: float | None
    """Upper bound of the 95% Wilson interval of the unsafe share."""
    verdict: Literal["keep", "drop", "no_data"]
    """5% rule: ``drop`` when the judged figure exceeds the limit, ``no_data`` when nothing
    was scanned."""
    judged_value: float | None
    """The figure the verdict was judged on (``ci_high`` or ``unsafe_share``)."""
    per_risk: list[RiskShare]
    """Unsafe share per risk (risks with at least one unsafe document)."""
    problems: dict[str, int]
    """Bad input counted by kind (never silently dropped)."""
    encodings: dict[str, int]
    """Documents per detected encoding (``utf-8``, ``utf-8-bom``, ``gb18030``)."""
    n_bytes: int
    """Bytes of the records read for this source."""
    examples: list[ProblemExample]
    """Up to a few examples of each problem kind, with where they occurred."""


class TechnicalCheck(_Model):
    """TC260 technical check: keywords + classifier over ≥ 10% of the corpus, ≥ 98% pass."""

    n_docs: int
    """Documents in the corpus."""
    n_scanned: int
    """Documents scanned."""
    sample_share: float
    """``n_scanned / n_docs``."""
    min_sample_share: float
    """Required share (from the policy pack)."""
    pass_rate: float | None
    """Share of scanned documents not judged unsafe."""
    ci_low: float | None
    """Lower bound of the 95% Wilson interval of the pass rate."""
    ci_high: float | None
    """Upper bound of the 95% Wilson interval of the pass rate."""
    min_pass_rate: float
    """Required pass rate (from the policy pack)."""
    judged_value: float | None
    """The figure compared with ``min_pass_rate`` (``ci_low`` or ``pass_rate``)."""
    passed: bool
    """Both the share and the pass rate meet their bars."""


class ManualCheck(_Model):
    """TC260 manual check: annotators' labels on ≥ 4,000 random items, ≥ 96% pass."""

    file: str
    """The imported review file."""
    n: int
    """Items labelled."""
    n_pass: int
    """Items the annotators passed."""
    pass_rate: float
    """``n_pass / n``."""
    ci_low: float
    """Lower bound of the 95% Wilson interval."""
    ci_high: float
    """Upper bound of the 95% Wilson interval."""
    min_n: int
    """Required sample size (from the policy pack)."""
    min_pass_rate: float
    """Required pass rate (from the policy pack)."""
    passed: bool
    """``n >= min_n`` and ``pass_rate >= min_pass_rate``."""
    detector_agreement: float | None
    """Share of items where the annotator and the cascade agreed (unsafe vs not)."""


class AuditResults(_Model):
    """``results.json``: per-source audit, the overall figure and the two TC260 checks."""

    policy: str
    """Policy pack id and version the audit ran under."""
    settings: AuditSettings
    """The settings of the audit."""
    max_unsafe_share: float
    """The 5% rule's limit (from the policy pack's ``training_source`` requirement)."""
    judge_on: JudgeOn
    """Which figure the 5% rule was judged on."""
    sources: list[SourceResult]
    """One entry per source, by name."""
    overall: SourceResult
    """All sources together (``source`` is ``"*"``)."""
    technical_check: TechnicalCheck
    """The technical check."""
    manual_check: ManualCheck | None = None
    """The manual check, once ``hegui corpus import-review`` has scored a review file."""
    engine: Engine
    """The engine that ran the audit."""
    seconds: float
    """Wall-clock time of the run that finished the audit."""
