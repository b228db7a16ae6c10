"""Running an assessment: draw the items, ask the endpoint through inspect-ai, judge, write results.

The order matters for resuming: the run folder is opened (or refused) before anything is asked,
every answer is written the moment it arrives, and results are written only when every drawn
item has an answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from pathlib import Path

import httpx
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog
from inspect_ai.model import GenerateConfig, Model, get_model

from hegui import __version__
from hegui.assess._bank import BankItem, load_banks
from hegui.assess._judge import AnswerJudge
from hegui.assess._report import write_report
from hegui.assess._results import Results, RunInfo, compute
from hegui.assess._review import read_review
from hegui.assess._rundir import (
    LOGS,
    RESULTS,
    RunDir,
    RunIdentity,
    RunManifest,
    read_judgments,
    read_manifest,
    write_json,
)
from hegui.assess._sample import draw
from hegui.assess._suite import BankKind, Suite, load_suite
from hegui.assess._task import RunCounters, bank_task
from hegui.errors import HeguiError
from hegui.policy import PolicyPack

_SERVICE = "hegui"
_MAX_ERRORS_LISTED = 3


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible endpoint and the model to ask there."""

    base_url: str
    model: str
    api_key: str | None

    def describe(self) -> str:
        return f"{self.model}@{self.base_url}"


@dataclass(frozen=True)
class RunOptions:
    """Everything ``hegui assess`` was asked to do."""

    target: Endpoint
    out: Path
    suite: str | Path = "cn-tc260"
    policy: str | Path | None = None
    sample: int | None = None
    seed: int = 0
    concurrency: int = 16
    timeout_s: int = 120
    retries: int = 4
    llm_judge: Endpoint | None = None
    e5: bool = True


@dataclass
class RunOutcome:
    """How the run went: results when complete, else how many items still lack an answer."""

    results: Results | None
    items: int
    asked: int
    reused: int
    unanswered: int
    seconds: float
    judge_seconds: float
    errors: list[str] = field(default_factory=list)


def run_assessment(
    options: RunOptions, on_start: Callable[[int, int], Callable[[], None]] | None = None
) -> RunOutcome:
    """Run (or resume) the assessment ``options`` describe.

    ``on_start(total, already_answered)`` is called once the items are drawn and returns the
    callback advanced after each judged item (the CLI's progress bar).
    """
    started = time.perf_counter()
    suite = load_suite(options.suite, options.policy)
    banks = load_banks(suite)
    drawn: dict[BankKind, list[BankItem]] = {}
    for kind, bank in banks.items():
        size = options.sample if options.sample is not None else suite.run_rule(bank.spec).min_n
        drawn[kind] = draw(bank.items, size, options.seed)
    identity = RunIdentity(
        model=options.target.model,
        base_url=options.target.base_url,
        policy=f"{suite.pack.id} {suite.pack.version}",
        suite=f"{suite.id} {suite.spec.version}",
        suite_digest=_digest(suite),
        seed=options.seed,
        sample_sizes={kind.value: len(items) for kind, items in drawn.items()},
        llm_judge=options.llm_judge.describe() if options.llm_judge else None,
        e5=options.e5,
    )
    manifest = RunManifest(
        identity=identity,
        suite_ref=_ref(options.suite),
        policy_ref=None if options.policy is None else _ref(options.policy),
        started=dt.datetime.now(dt.UTC),
        hegui_version=__version__,
        inspect_ai_version=version("inspect-ai"),
    )
    run = RunDir.open(options.out, manifest)
    everything = [item for items in drawn.values() for item in items]
    run.write_sample(everything)
    missing = sum(run.answer(item.id) is None for item in everything)
    if missing:
        check_endpoint(options.target)
        if options.llm_judge:
            check_endpoint(options.llm_judge)
    counters = RunCounters()
    if on_start is not None:
        counters.on_judged = on_start(len(everything), len(everything) - missing)
    judge = _judge_for(suite.pack.model_dump_json(), options.e5)
    model = _model(options.target, options)
    llm = _model(options.llm_judge, options) if options.llm_judge else None
    tasks = [
        bank_task(banks[kind].spec, items, run, judge, counters, llm)
        for kind, items in drawn.items()
    ]
    logging.getLogger("inspect_ai").setLevel(logging.CRITICAL)
    logs = inspect_eval(
        tasks,
        model=model,
        display="none",
        log_dir=str(options.out / LOGS),
        log_level="critical",
        max_samples=options.concurrency,
        max_tasks=len(tasks),
        fail_on_error=False,
        log_realtime=False,
        score_display=False,
    )
    judgments = [counters.judgments[i.id] for i in everything if i.id in counters.judgments]
    outcome = RunOutcome(
        results=None,
        items=len(everything),
        asked=counters.asked,
        reused=counters.reused,
        unanswered=len(everything) - len(judgments),
        seconds=time.perf_counter() - started,
        judge_seconds=counters.judge_seconds,
        errors=_errors(counters.errors, logs),
    )
    if outcome.unanswered == 0:
        run.write_judgments(judgments)
        outcome.results = finish(options.out, suite)
    return outcome


def finish(out: Path, suite: Suite | None = None) -> Results:
    """Compute ``results.json`` and ``report.html`` from a run's judgments and human reviews."""
    manifest = read_manifest(out)
    identity = manifest.identity
    if suite is None:
        suite = load_suite(manifest.suite_ref, manifest.policy_ref)
    judgments = read_judgments(out)
    human, review = read_review(out, judgments)
    info = RunInfo(
        model=identity.model,
        base_url=identity.base_url,
        policy=suite.pack.id,
        policy_version=suite.pack.version,
        suite=suite.id,
        suite_version=suite.spec.version,
        suite_digest=identity.suite_digest,
        seed=identity.seed,
        sample_sizes=identity.sample_sizes,
        llm_judge=identity.llm_judge,
        e5=identity.e5,
        started=manifest.started,
        finished=dt.datetime.now(dt.UTC),
        hegui_version=manifest.hegui_version,
        inspect_ai_version=manifest.inspect_ai_version,
    )
    rules = {spec.kind: suite.run_rule(spec) for spec in suite.spec.banks}
    results = compute(info, judgments, rules, human, review)
    write_json(out / RESULTS, results.model_dump(mode="json", by_alias=True))
    write_report(out, results, judgments, human, suite)
    return results


def check_endpoint(endpoint: Endpoint) -> None:
    """Fail fast, with a clear message, when the endpoint is unreachable or rejects the key."""
    url = endpoint.base_url.rstrip("/") + "/models"
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    try:
        response = httpx.get(url, headers=headers, timeout=10.0)
    except httpx.HTTPError as exc:
        raise HeguiError(
            f"cannot reach the endpoint: {exc.__class__.__name__}: {exc}; is it running?",
            f"无法连接到端点：{exc.__class__.__name__}：{exc}；服务是否已启动？",
            endpoint.base_url,
        ) from None
    if response.status_code in (401, 403):
        raise HeguiError(
            f"the endpoint rejected the API key (HTTP {response.status_code}); "
            "set it in the environment variable named by --api-key-env",
            f"端点拒绝了 API 密钥（HTTP {response.status_code}）；"
            "请在 --api-key-env 指定的环境变量中设置",
            endpoint.base_url,
        )


def _model(endpoint: Endpoint, options: RunOptions) -> Model:
    return get_model(
        f"openai-api/{_SERVICE}/{endpoint.model}",
        base_url=endpoint.base_url,
        api_key=endpoint.api_key or "none",
        config=GenerateConfig(
            max_connections=options.concurrency,
            max_retries=options.retries,
            attempt_timeout=options.timeout_s,
        ),
        memoize=False,
    )


def _ref(ref: str | Path) -> str:
    """A shipped id as given; a file or folder as an absolute path (review runs elsewhere)."""
    path = Path(ref)
    return str(path.resolve()) if path.exists() else str(ref)


@cache
def _judge_for(pack_json: str, e5: bool) -> AnswerJudge:
    """One judge per policy per process: loading the detectors takes seconds."""
    return AnswerJudge(PolicyPack.model_validate_json(pack_json), e5)


def _digest(suite: Suite) -> str:
    sha = hashlib.sha256()
    for spec in suite.spec.banks:
        for name in spec.files:
            sha.update(name.encode())
            sha.update((suite.folder / name).read_bytes())
    return sha.hexdigest()


def _errors(endpoint_errors: list[str], logs: list[EvalLog]) -> list[str]:
    """Distinct error messages: the endpoint's, then any task-level failure inspect-ai had."""
    messages = list(endpoint_errors)
    messages += [log.error.message for log in logs if log.error is not None]
    unique = list(dict.fromkeys(m.splitlines()[0] if m else m for m in messages))
    return unique[:_MAX_ERRORS_LISTED] + (
        [f"(+{len(unique) - _MAX_ERRORS_LISTED} more)"] if len(unique) > _MAX_ERRORS_LISTED else []
    )
