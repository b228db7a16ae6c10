"""``hegui corpus``: audit training data per source, draw and score the manual-review sample."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hegui._cli_support import reports_errors
from hegui.corpus._audit import Progress as AuditProgress
from hegui.corpus._audit import run_audit
from hegui.corpus._models import (
    AuditResults,
    AuditSettings,
    ClassifierRun,
    Engine,
    JudgeOn,
    SourceFrom,
)
from hegui.corpus._outputs import write_manual
from hegui.corpus._review import draw_sample, import_review
from hegui.errors import HeguiError

app = typer.Typer(help="Training-data audit / 训练语料审核", no_args_is_help=True)
console = Console(highlight=False)

PathsArg = Annotated[
    list[str], typer.Argument(help="Files, directories or globs / 文件、目录或通配符")
]
TextField = Annotated[str, typer.Option(help="Field holding the text / 文本字段")]
SourceField = Annotated[str | None, typer.Option(help="Field holding the source name / 来源字段")]
SourceFromOpt = Annotated[
    SourceFrom,
    typer.Option(help="Source from file or directory name when no field / 按文件或目录命名来源"),
]
SeedOpt = Annotated[int, typer.Option(help="Sampling seed / 抽样种子")]
PolicyOpt = Annotated[str, typer.Option(help="Policy pack id or file / 策略包")]
EngineOpt = Annotated[Engine, typer.Option(help="local or ray / 本地或 Ray")]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        help="Worker processes (default: every core, or every CPU of the Ray cluster) / 进程数",
        min=1,
    ),
]
RayAddress = Annotated[
    str | None, typer.Option(help="Ray cluster address, e.g. ray://head:10001 / Ray 集群地址")
]
OutOpt = Annotated[Path, typer.Option(help="Output folder / 输出目录")]
FreshOpt = Annotated[
    bool, typer.Option(help="Discard a previous run in --out / 丢弃输出目录中的旧进度")
]


def _settings(**values: object) -> AuditSettings:
    try:
        return AuditSettings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "options"
        raise HeguiError(
            f"invalid option: {first['msg']}", f"选项无效：{first['msg']}", field
        ) from None


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def _print_results(audit: AuditResults, out: Path) -> None:
    table = Table(title="per source / 各来源")
    for column in (
        "source 来源",
        "docs 文档",
        "scanned 扫描",
        "unsafe 不安全",
        "share 占比",
        "95% CI 区间",
        "verdict 结论",
        "problems 问题",
    ):
        table.add_column(column)
    colours = {"keep": "green", "drop": "red", "no_data": "yellow"}
    for s in [*audit.sources, audit.overall]:
        table.add_row(
            s.source,
            f"{s.n_docs:,}",
            f"{s.n_scanned:,}",
            f"{s.n_unsafe:,}",
            _pct(s.unsafe_share),
            f"{_pct(s.ci_low)} – {_pct(s.ci_high)}",
            "" if s.source == "*" else f"[{colours[s.verdict]}]{s.verdict}[/]",
            f"{sum(s.problems.values()):,}",
        )
    console.print(table)
    t = audit.technical_check
    console.print(
        f"technical check / 技术抽检: {t.n_scanned:,}/{t.n_docs:,} scanned ({_pct(t.sample_share)},"
        f" ≥ {_pct(t.min_sample_share)}), pass rate / 合格率 {_pct(t.pass_rate)} "
        f"(≥ {_pct(t.min_pass_rate)}): "
        + ("[green]PASS 达标[/]" if t.passed else "[red]FAIL 未达标[/]")
    )
    console.print(
        f"written / 已写入: {out / 'results.json'}, {out / 'flagged.jsonl'}, {out / 'report.html'}"
    )


@contextmanager
def _progress_bar(title: str) -> Iterator[Callable[[AuditProgress], None]]:
    """A bar of shards done, documents read and documents per second; yields its hook."""
    started = time.perf_counter()
    columns = (
        TextColumn(f"[bold]{title}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(
            "shards 分片 · {task.fields[docs]:,} docs 文档 · {task.fields[rate]:,.0f} docs/s"
        ),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(title, total=None, docs=0, rate=0.0)

        def update(p: AuditProgress) -> None:
            elapsed = max(time.perf_counter() - started, 1e-9)
            bar.update(
                task,
                total=p.shards_total,
                completed=p.shards_done,
                docs=p.docs,
                rate=p.docs / elapsed,
            )

        yield update


@app.callback()
def corpus() -> None:
    """Training-data audit / 训练语料审核."""


@app.command()
@reports_errors
def audit(
    paths: PathsArg,
    out: OutOpt,
    text_field: TextField = "text",
    source_field: SourceField = None,
    source_from: SourceFromOpt = SourceFrom.FILE,
    sample_rate: Annotated[
        float | None, typer.Option(help="Scan this share of documents / 抽样比例")
    ] = None,
    sample_n: Annotated[
        int | None, typer.Option(help="Scan this many documents per source / 每来源抽样条数")
    ] = None,
    seed: SeedOpt = 0,
    policy: PolicyOpt = "cn-tc260",
    embedded: Annotated[
        bool, typer.Option(help="Also run the e5 embedded tier (slow) / 启用 e5 语义层（较慢）")
    ] = False,
    classifier: Annotated[
        ClassifierRun,
        typer.Option(help="n-gram classifier on every document or when uncertain / 分类器运行时机"),
    ] = ClassifierRun.UNCERTAIN,
    judge_on: Annotated[
        JudgeOn, typer.Option(help="5% rule on the upper bound or the estimate / 判定依据")
    ] = JudgeOn.UPPER,
    engine: EngineOpt = Engine.LOCAL,
    workers: WorkersOpt = None,
    ray_address: RayAddress = None,
    shard_mb: Annotated[int, typer.Option(help="Shard size in MB / 分片大小")] = 16,
    fresh: FreshOpt = False,
) -> None:
    """Audit each source: unsafe share, 95% interval, the 5% rule; resumable.

    按来源审核：不安全占比、95% 置信区间、5% 规则；可断点续跑。
    """
    settings = _settings(
        paths=paths,
        text_field=text_field,
        source_field=source_field,
        source_from=SourceFrom.FIELD if source_field else source_from,
        sample_rate=sample_rate,
        sample_n=sample_n,
        seed=seed,
        policy=policy,
        embedded=embedded,
        classifier=classifier,
        judge_on=judge_on,
        shard_mb=shard_mb,
    )
    with _progress_bar("audit 审核") as update:
        results = run_audit(
            settings,
            out,
            engine=engine,
            workers=workers,
            ray_address=ray_address,
            fresh=fresh,
            on_progress=update,
        )
    _print_results(results, out)


@app.command()
@reports_errors
def sample(
    paths: PathsArg,
    out: OutOpt,
    n: Annotated[int, typer.Option(help="Items to draw / 抽样条数", min=1)] = 4000,
    text_field: TextField = "text",
    source_field: SourceField = None,
    source_from: SourceFromOpt = SourceFrom.FILE,
    seed: SeedOpt = 0,
    policy: PolicyOpt = "cn-tc260",
    engine: EngineOpt = Engine.LOCAL,
    workers: WorkersOpt = None,
    ray_address: RayAddress = None,
    fresh: FreshOpt = False,
) -> None:
    """Draw the manual-review sample (CSV and XLSX with the detectors' evidence); resumable.

    抽取人工抽检样本（CSV 与 XLSX，附检测证据）；可断点续跑。
    """
    settings = _settings(
        paths=paths,
        text_field=text_field,
        source_field=source_field,
        source_from=SourceFrom.FIELD if source_field else source_from,
        seed=seed,
        policy=policy,
    )
    with _progress_bar("sample 抽样") as update:
        written, items, total = draw_sample(
            settings, n, out, engine, workers, ray_address, fresh, on_progress=update
        )
    if items < n:
        console.print(
            f"[yellow]the corpus has only {total:,} documents; the sample has {items:,} / "
            f"语料仅有 {total:,} 条文档，样本为 {items:,} 条[/]"
        )
    console.print(
        f"{items:,} items drawn from {total:,} documents / 从 {total:,} 条文档中抽取 {items:,} 条: "
        + ", ".join(str(p) for p in written)
    )
    console.print(
        "fill the 'label' column with pass / 合格 or fail / 不合格, then run "
        "`hegui corpus import-review` / 在 label 列填写后运行 `hegui corpus import-review`"
    )


@app.command("import-review")
@reports_errors
def import_review_command(
    file: Annotated[Path, typer.Argument(help="Labelled CSV or XLSX / 已标注的 CSV 或 XLSX")],
    out: OutOpt,
    policy: PolicyOpt = "cn-tc260",
) -> None:
    """Score the annotators' labels against the manual-check bar (pass rate, sample size).

    按人工抽检要求（合格率、样本量）对标注结果评分。
    """
    check = import_review(file, policy)
    write_manual(out, check)
    verdict = "[green]PASS 达标[/]" if check.passed else "[red]FAIL 未达标[/]"
    console.print(
        f"manual check / 人工抽检: {check.n_pass:,}/{check.n:,} passed / 合格 = "
        f"{check.pass_rate:.2%} (95% CI {check.ci_low:.2%} – {check.ci_high:.2%}); "
        f"required / 要求 n ≥ {check.min_n:,}, ≥ {check.min_pass_rate:.0%}: {verdict}"
    )
    if check.n < check.min_n:
        console.print(
            f"[yellow]sample too small: {check.n:,} < {check.min_n:,} / "
            f"样本量不足：{check.n:,} < {check.min_n:,}[/]"
        )
