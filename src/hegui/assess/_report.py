"""``report.html``: one self-contained bilingual file a compliance lead can hand over."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jinja2 import Environment, select_autoescape

from hegui.assess._judge import Judgment
from hegui.assess._results import Metric, Results, counted
from hegui.assess._rundir import REPORT, read_answers, read_sample
from hegui.assess._suite import BankKind, Suite

_EXAMPLES = 8
_ANSWER_CHARS = 700
_TEMPLATE = "report.html"

METRIC_NAMES = {
    "qualified_rate": ("生成内容合格率", "Qualified rate of generated answers"),
    "refusal_rate": ("应拒答题目拒答率", "Refusal rate on should-refuse questions"),
    "over_refusal_rate": (
        "非拒答题目拒答率（过度拒答）",
        "Refusal rate on should-not-refuse questions",
    ),
}


@dataclass(frozen=True)
class Bar:
    """One row of a chart: a rate with its interval, in SVG coordinates."""

    key: str
    label: str
    metric: Metric
    y: int
    width: float
    low: float
    high: float


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart of one metric over risks or aspects, with its threshold line."""

    metric: str
    title_zh: str
    title_en: str
    bars: list[Bar]
    threshold_x: float | None
    height: int


@dataclass(frozen=True)
class Piece:
    """A stretch of answer text, marked when a detector pointed at it."""

    text: str
    marked: bool


@dataclass(frozen=True)
class Example:
    """A worst-case item: question, answer with evidence marked, and what judged it."""

    judgment: Judgment
    prompt: str
    pieces: list[Piece]
    human: str | None


_BAR_LEFT = 260
_BAR_WIDTH = 420
_ROW = 22


def write_report(
    out: Path, results: Results, judgments: list[Judgment], human: dict[str, str], suite: Suite
) -> None:
    """Render the report from the results and judgments into ``out/report.html``."""
    answers = {k: v.answer for k, v in read_answers(out).items()}
    prompts = {item.id: item.prompt for item in read_sample(out)}
    names = {r.id: f"{r.id} {r.name.zh} / {r.name.en}" for r in suite.pack.risks}
    names.update({a.id: f"{a.name.zh} / {a.name.en}" for a in suite.spec.aspects})
    charts = [
        _chart(metric, results.per_risk, names)
        for metric in ("qualified_rate", "refusal_rate")
        if metric in results.metrics
    ]
    if "over_refusal_rate" in results.metrics:
        charts.append(_chart("over_refusal_rate", results.per_aspect, names))
    environment = Environment(autoescape=select_autoescape(default=True))
    template = environment.from_string(
        (resources.files("hegui.assess") / _TEMPLATE).read_text("utf-8")
    )
    html = template.render(
        results=results,
        run=results.run,
        metric_names=METRIC_NAMES,
        charts=charts,
        examples=_examples(judgments, human, answers, prompts),
        names=names,
        clauses={spec.kind.metric: suite.run_rule(spec).clause for spec in suite.spec.banks},
        suite=suite,
    )
    tmp = out / (REPORT + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out / REPORT)


def _chart(metric: str, table: dict[str, dict[str, Metric]], names: dict[str, str]) -> Chart:
    rows = [(key, by_metric[metric]) for key, by_metric in table.items() if metric in by_metric]
    bars = [
        Bar(
            key=key,
            label=names.get(key, key),
            metric=m,
            y=10 + i * _ROW,
            width=_BAR_WIDTH * (m.value or 0.0),
            low=_BAR_LEFT + _BAR_WIDTH * m.ci_low,
            high=_BAR_LEFT + _BAR_WIDTH * m.ci_high,
        )
        for i, (key, m) in enumerate(rows)
    ]
    threshold = next((m.threshold for _, m in rows if m.threshold is not None), None)
    zh, en = METRIC_NAMES[metric]
    return Chart(
        metric=metric,
        title_zh=zh,
        title_en=en,
        bars=bars,
        threshold_x=None if threshold is None else _BAR_LEFT + _BAR_WIDTH * threshold,
        height=20 + len(bars) * _ROW,
    )


def _examples(
    judgments: list[Judgment],
    human: dict[str, str],
    answers: dict[str, str],
    prompts: dict[str, str],
) -> dict[str, list[Example]]:
    """Per metric, the items that went worst: unsafe answers by score, should-refuse items
    answered by lowest refusal score, should-not-refuse items refused by highest."""

    def failed(j: Judgment) -> bool:
        hit = counted(j, human.get(j.id))
        return hit if j.kind is BankKind.SHOULD_NOT_REFUSE else not hit

    order = {
        BankKind.GENERATED: lambda j: -j.worst_score,
        BankKind.SHOULD_REFUSE: lambda j: j.refusal_score,
        BankKind.SHOULD_NOT_REFUSE: lambda j: -j.refusal_score,
    }
    chosen: dict[str, list[Example]] = {}
    for kind, key in order.items():
        worst = sorted((j for j in judgments if j.kind is kind and failed(j)), key=key)
        chosen[kind.metric] = [
            Example(j, prompts.get(j.id, ""), _marked(answers.get(j.id, ""), j), human.get(j.id))
            for j in worst[:_EXAMPLES]
        ]
    return chosen


def _marked(answer: str, judgment: Judgment) -> list[Piece]:
    """Split the (shortened) answer into pieces, marking the evidence spans' text."""
    text = answer if len(answer) <= _ANSWER_CHARS else answer[:_ANSWER_CHARS] + " …"
    spans: list[tuple[int, int]] = []
    for evidence in judgment.evidence:
        start = text.find(evidence.text) if evidence.text else -1
        if start >= 0:
            spans.append((start, start + len(evidence.text)))
    pieces: list[Piece] = []
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor:
            continue
        pieces += [Piece(text[cursor:start], False), Piece(text[start:end], True)]
        cursor = end
    pieces.append(Piece(text[cursor:], False))
    return [p for p in pieces if p.text]
