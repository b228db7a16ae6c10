"""``hegui assess``: run a pre-launch assessment, review it, compare runs."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hegui._cli_support import err_console, reports_errors
from hegui.assess._compare import compare, read_results
from hegui.assess._report import METRIC_NAMES
from hegui.assess._results import Metric, Results
from hegui.assess._review import export_review, import_review
from hegui.assess._run import Endpoint, RunOptions, finish, run_assessment
from hegui.assess._rundir import REPORT, RESULTS
from hegui.errors import HeguiError

EXIT_BREACH = 1
EXIT_INCOMPLETE = 3
EXIT_INTERRUPTED = 130

app = typer.Typer(
    help="Pre-launch assessment / 上线前安全评估",
    epilog=(
        "Exit codes / 退出码: 0 completed / 完成; 1 a threshold failed (--fail-on-breach) / "
        "未达标; 2 bad input / 输入有误; 3 items still unanswered, rerun to resume / "
        "仍有未回答题目，重跑即可续跑."
    ),
    invoke_without_command=True,
    no_args_is_help=False,
)
console = Console()


def _key(variable: str | None) -> str | None:
    return os.environ.get(variable) if variable else None


@app.callback()
@reports_errors
def assess(
    ctx: typer.Context,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="OpenAI-compatible base URL / 端点")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model name / 模型名")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder / 输出文件夹")] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="Policy pack (default: the suite's) / 策略包")
    ] = None,
    suite: Annotated[str, typer.Option("--suite", help="Test suite id or folder")] = "cn-tc260",
    sample: Annotated[
        int | None,
        typer.Option("--sample", min=1, help="Items per bank (default: the pack's minimum)"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Sampling seed / 随机种子")] = 0,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Concurrent requests / 并发数")
    ] = 16,
    timeout: Annotated[
        int, typer.Option("--timeout", min=1, help="Seconds per request attempt")
    ] = 120,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Retries per request")] = 4,
    api_key_env: Annotated[
        str, typer.Option("--api-key-env", help="Environment variable holding the API key")
    ] = "OPENAI_API_KEY",
    judge_base_url: Annotated[
        str | None, typer.Option("--judge-base-url", help="LLM judge endpoint (optional)")
    ] = None,
    judge_model: Annotated[
        str | None, typer.Option("--judge-model", help="LLM judge model")
    ] = None,
    judge_api_key_env: Annotated[
        str, typer.Option("--judge-api-key-env", help="Environment variable of the judge's key")
    ] = "OPENAI_API_KEY",
    e5: Annotated[
        bool,
        typer.Option(
            "--e5/--no-e5",
            help="Judge with the cascade's e5 tier as the policy sets it (--no-e5: faster, "
            "less accurate)",
        ),
    ] = True,
    fail_on_breach: Annotated[
        bool, typer.Option("--fail-on-breach", help="Exit 1 when a threshold fails")
    ] = False,
) -> None:
    """Assess an endpoint against the suite's banks / 对端点进行上线前安全评估.

    Exit codes: 0 the run completed; 1 a threshold failed (with --fail-on-breach); 2 bad input;
    3 some items still lack an answer (run the same command again to resume).
    """
    if ctx.invoked_subcommand is not None:
        return
    if base_url is None or model is None or out is None:
        missing = [
            n
            for n, v in (("--base-url", base_url), ("--model", model), ("--out", out))
            if v is None
        ]
        raise HeguiError(
            f"missing option(s) {', '.join(missing)} (see hegui assess --help)",
            f"缺少参数 {', '.join(missing)}（见 hegui assess --help）",
        )
    if (judge_base_url is None) != (judge_model is None):
        raise HeguiError(
            "give both --judge-base-url and --judge-model, or neither",
            "--judge-base-url 与 --judge-model 须同时给出或都不给",
        )
    llm_judge = (
        Endpoint(judge_base_url, judge_model, _key(judge_api_key_env))
        if judge_base_url is not None and judge_model is not None
        else None
    )
    options = RunOptions(
        target=Endpoint(base_url, model, _key(api_key_env)),
        out=out,
        suite=suite,
        policy=policy,
        sample=sample,
        seed=seed,
        concurrency=concurrency,
        timeout_s=timeout,
        retries=retries,
        llm_judge=llm_judge,
        e5=e5,
    )
    with Progress(
        TextColumn("[bold]assessing / 评估中[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as progress:

        def on_start(total: int, answered: int) -> Callable[[], None]:
            if answered:
                err_console.print(
                    f"resuming / 续跑: {answered} of {total} items already answered, "
                    f"not asked again / 已有 {answered} 条答案，不再重复提问"
                )
            task = progress.add_task("assess", total=total)
            return lambda: progress.advance(task)

        try:
            outcome = run_assessment(options, on_start)
        except KeyboardInterrupt:
            err_console.print(
                "[yellow]interrupted / 已中断[/]: answers received so far are kept in "
                f"{out}; run the same command to resume / "
                "已收到的答案已保存，再次运行同一命令即可续跑"
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None
    err_console.print(
        f"{outcome.items} items / 题: {outcome.asked} asked / 新提问, {outcome.reused} reused / "
        f"复用, {outcome.seconds:.1f} s"
    )
    if outcome.results is None:
        err_console.print(
            f"[bold red]incomplete / 未完成[/]: {outcome.unanswered} items have no answer "
            f"/ {outcome.unanswered} 题未获回答. Answers received are kept; run the same command "
            "again to resume / 已收到的答案已保存，再次运行同一命令即可续跑."
        )
        for message in outcome.errors:
            err_console.print(f"  endpoint error / 端点错误: {message}")
        raise typer.Exit(EXIT_INCOMPLETE)
    _print_summary(outcome.results)
    console.print(f"results / 结果: {out / RESULTS} · report / 报告: {out / REPORT}")
    if fail_on_breach and not outcome.results.passed:
        raise typer.Exit(EXIT_BREACH)


def _pct(m: Metric) -> str:
    return "—" if m.value is None else f"{100 * m.value:.1f}%"


def _print_summary(results: Results) -> None:
    table = Table(title="assessment / 评估结论")
    for column in ("metric / 指标", "value / 值", "95% CI", "n", "required / 要求", ""):
        table.add_column(column)
    for key, m in results.metrics.items():
        sign = "≤" if key == "over_refusal_rate" else "≥"
        required = f"{sign} {100 * (m.threshold or 0):.0f}%, n ≥ {m.min_n}"
        table.add_row(
            f"{METRIC_NAMES[key][0]}\n{key}",
            _pct(m),
            f"{100 * m.ci_low:.1f}–{100 * m.ci_high:.1f}%",
            str(m.n),
            required,
            "[green]PASS 达标[/]" if m.passed else "[red]FAIL 未达标[/]",
        )
    console.print(table)
    verdict = "[bold green]PASSED / 通过[/]" if results.passed else "[bold red]FAILED / 未通过[/]"
    console.print(f"overall / 总体: {verdict}")


@app.command("export-review")
@reports_errors
def export_review_command(
    run_dir: Annotated[Path, typer.Argument(metavar="DIR", help="Run folder / 评估文件夹")],
    out: Annotated[
        Path | None, typer.Option("--out", help="CSV to write (default DIR/review.csv)")
    ] = None,
    n: Annotated[int, typer.Option("--n", min=1, help="Items to sample / 抽取条数")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Sampling seed / 随机种子")] = 0,
) -> None:
    """Write a sample for human reviewers (CSV) / 导出人工复核样本."""
    destination = out or run_dir / "review.csv"
    written = export_review(run_dir, destination, n, seed)
    console.print(
        f"[green]OK[/] {written} items / 条 → {destination}; fill in the human_label column "
        "/ 请填写 human_label 列"
    )


@app.command("import-review")
@reports_errors
def import_review_command(
    run_dir: Annotated[Path, typer.Argument(metavar="DIR", help="Run folder / 评估文件夹")],
    review_file: Annotated[Path, typer.Argument(metavar="FILE", help="Filled-in CSV / 复核结果")],
) -> None:
    """Apply reviewers' labels (they override automatic ones) / 导入人工复核结果."""
    labelled = import_review(run_dir, review_file)
    results = finish(run_dir)
    console.print(f"[green]OK[/] {labelled} labels imported / 条标注已导入")
    review = results.review
    if review is not None:
        kappa = "undefined / 无法计算" if review.kappa is None else f"{review.kappa:.3f}"
        console.print(
            f"agreement / 一致率 {100 * review.agreement:.1f}% over {review.n} items / 条 · "
            f"Cohen's kappa {kappa} · overridden / 改判 {review.overridden}"
        )
    _print_summary(results)


@app.command("compare")
@reports_errors
def compare_command(
    dir_a: Annotated[Path, typer.Argument(metavar="DIR_A", help="First run / 第一次评估")],
    dir_b: Annotated[Path, typer.Argument(metavar="DIR_B", help="Second run / 第二次评估")],
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False,
) -> None:
    """Per-metric and per-risk differences with significance / 比较两次评估."""
    a, b = read_results(dir_a), read_results(dir_b)
    rows = compare(a, b)
    if json_out:
        payload = [
            {
                "scope": r.scope,
                "metric": r.metric,
                "a": r.a.value,
                "n_a": r.a.n,
                "b": r.b.value,
                "n_b": r.b.n,
                "delta": r.delta,
                "p_value": r.p_value,
                "significant": r.significant,
            }
            for r in rows
        ]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    console.print(f"A: {a.run.model} @ {a.run.base_url}\nB: {b.run.model} @ {b.run.base_url}")
    table = Table(title="B − A (two-proportion z-test, α = 0.05 / 双比例检验)")
    for column in ("scope / 范围", "metric / 指标", "A", "B", "Δ", "p", "significant / 显著"):
        table.add_column(column)
    for r in rows:
        delta = "—" if r.delta is None else f"{100 * r.delta:+.1f} pt"
        table.add_row(
            r.scope,
            r.metric,
            f"{_pct(r.a)} (n={r.a.n})",
            f"{_pct(r.b)} (n={r.b.n})",
            delta,
            f"{r.p_value:.3g}",
            "[bold]yes / 是[/]" if r.significant else "no / 否",
        )
    console.print(table)
