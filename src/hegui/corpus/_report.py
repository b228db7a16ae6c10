"""The self-contained bilingual ``report.html``: per-source table, charts (inline SVG), checks.

Nothing is loaded from the network: styles and charts are inline, so the file can be archived
and handed to a regulator as it is.
"""

from __future__ import annotations

import datetime as dt

import jinja2

from hegui.corpus._models import AuditResults, SourceResult

_CHART_WIDTH = 640
_BAR_HEIGHT = 22


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _share_chart(rows: list[SourceResult], limit: float) -> dict[str, object]:
    """Bars of the unsafe share with 95% whiskers and the limit line, scaled to the data."""
    scanned = [r for r in rows if r.unsafe_share is not None]
    top = max([limit * 1.5, *[r.ci_high or 0.0 for r in scanned]])
    label_width = 180
    plot = _CHART_WIDTH - label_width - 70

    def x(value: float) -> float:
        return round(label_width + plot * value / top, 1)

    bars = [
        {
            "y": 10 + i * (_BAR_HEIGHT + 8),
            "label": r.source,
            "x0": label_width,
            "x": x(r.unsafe_share or 0.0),
            "lo": x(r.ci_low or 0.0),
            "hi": x(r.ci_high or 0.0),
            "text": _pct(r.unsafe_share),
            "drop": r.verdict == "drop",
        }
        for i, r in enumerate(scanned)
    ]
    return {
        "bars": bars,
        "limit_x": x(limit),
        "height": 30 + len(bars) * (_BAR_HEIGHT + 8),
        "width": _CHART_WIDTH,
        "bar_height": _BAR_HEIGHT,
    }


def _risk_chart(overall: SourceResult) -> dict[str, object]:
    risks = sorted(overall.per_risk, key=lambda r: -r.share)
    top = max([r.ci_high for r in risks], default=0.01) or 0.01
    label_width = 260
    plot = _CHART_WIDTH - label_width - 70
    return {
        "bars": [
            {
                "y": 10 + i * (_BAR_HEIGHT + 8),
                "label": f"{r.risk} {r.name_zh}",
                "title": r.name_en,
                "x0": label_width,
                "x": round(label_width + plot * r.share / top, 1),
                "lo": round(label_width + plot * r.ci_low / top, 1),
                "hi": round(label_width + plot * r.ci_high / top, 1),
                "text": _pct(r.share),
            }
            for i, r in enumerate(risks)
        ],
        "height": 30 + len(risks) * (_BAR_HEIGHT + 8),
        "width": _CHART_WIDTH,
        "bar_height": _BAR_HEIGHT,
    }


_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>语料安全审核报告 / Training-data audit report</title>
<style>
body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.drop { color: #b00020; font-weight: bold; } .keep { color: #1b7a2f; }
.no_data { color: #777; } .pass { color: #1b7a2f; font-weight: bold; }
.fail { color: #b00020; font-weight: bold; } .small { font-size: .85rem; color: #555; }
svg text { font-size: 12px; }
</style>
</head>
<body>
<h1>语料安全审核报告 <span class="small">Training-data audit report</span></h1>
<p>策略 Policy: <b>{{ a.policy }}</b> · 引擎 Engine: {{ a.engine.value }} ·
生成时间 Generated: {{ generated }} · 种子 Seed: {{ a.settings.seed }} ·
抽样 Sampling: {{ sampling }}</p>
<p>5% 规则 / 5% rule: 来源违法不良信息占比超过 {{ pct(a.max_unsafe_share) }} 即不采集
（依据{{ "95% 区间上限" if a.judge_on.value == "upper" else "点估计" }}判定）。
A source whose unsafe share exceeds {{ pct(a.max_unsafe_share) }} is dropped, judged on
{{ "the upper bound of the 95% interval" if a.judge_on.value == "upper"
   else "the point estimate" }}.</p>

<h2>各来源 <span class="small">Per source</span></h2>
<table id="sources">
<thead><tr><th>来源 Source</th><th>文档 Docs</th><th>已扫描 Scanned</th>
<th>不安全 Unsafe</th><th>占比 Share</th><th>95% 区间 95% CI</th><th>结论 Verdict</th>
<th>问题 Problems</th><th>编码 Encodings</th></tr></thead>
<tbody>
{% for s in rows %}<tr>
<td>{{ s.source }}</td><td>{{ "{:,}".format(s.n_docs) }}</td>
<td>{{ "{:,}".format(s.n_scanned) }}</td>
<td>{{ "{:,}".format(s.n_unsafe) }}</td><td>{{ pct(s.unsafe_share) }}</td>
<td>{{ pct(s.ci_low) }} – {{ pct(s.ci_high) }}</td>
<td class="{{ s.verdict }}">{{ verdicts[s.verdict] }}</td>
<td>{% for k, v in s.problems.items() %}{{ k }}: {{ "{:,}".format(v) }}<br>{% endfor %}</td>
<td>{% for k, v in s.encodings.items() %}{{ k }}: {{ "{:,}".format(v) }}<br>{% endfor %}</td>
</tr>{% endfor %}
<tr><td><b>合计 All</b></td><td>{{ "{:,}".format(a.overall.n_docs) }}</td>
<td>{{ "{:,}".format(a.overall.n_scanned) }}</td><td>{{ "{:,}".format(a.overall.n_unsafe) }}</td>
<td>{{ pct(a.overall.unsafe_share) }}</td>
<td>{{ pct(a.overall.ci_low) }} – {{ pct(a.overall.ci_high) }}</td><td></td>
<td>{% for k, v in a.overall.problems.items() %}{{ k }}: {{ "{:,}".format(v) }}<br>
{% endfor %}</td>
<td>{% for k, v in a.overall.encodings.items() %}{{ k }}: {{ "{:,}".format(v) }}<br>
{% endfor %}</td></tr>
</tbody></table>

<h2>不安全占比 <span class="small">Unsafe share with 95% interval; red line: limit</span></h2>
<svg id="share-chart" role="img" width="{{ share.width }}" height="{{ share.height }}"
 aria-label="unsafe share per source">
{% for b in share.bars %}
<text x="{{ b.x0 - 6 }}" y="{{ b.y + 15 }}" text-anchor="end">{{ b.label }}</text>
<rect x="{{ b.x0 }}" y="{{ b.y }}" width="{{ b.x - b.x0 }}" height="{{ share.bar_height }}"
 fill="{{ '#d9534f' if b.drop else '#4a90d9' }}"></rect>
<line x1="{{ b.lo }}" x2="{{ b.hi }}" y1="{{ b.y + 11 }}" y2="{{ b.y + 11 }}" stroke="#222"></line>
<line x1="{{ b.lo }}" x2="{{ b.lo }}" y1="{{ b.y + 5 }}" y2="{{ b.y + 17 }}" stroke="#222"></line>
<line x1="{{ b.hi }}" x2="{{ b.hi }}" y1="{{ b.y + 5 }}" y2="{{ b.y + 17 }}" stroke="#222"></line>
<text x="{{ b.hi + 6 }}" y="{{ b.y + 15 }}">{{ b.text }}</text>
{% endfor %}
<line x1="{{ share.limit_x }}" x2="{{ share.limit_x }}" y1="0" y2="{{ share.height }}"
 stroke="#b00020" stroke-dasharray="4 3"></line>
</svg>

<h2>各风险 <span class="small">Per risk (all sources)</span></h2>
{% if risk.bars %}
<svg id="risk-chart" role="img" width="{{ risk.width }}" height="{{ risk.height }}"
 aria-label="unsafe share per risk">
{% for b in risk.bars %}
<text x="{{ b.x0 - 6 }}" y="{{ b.y + 15 }}" text-anchor="end"><title>{{ b.title }}</title>
{{- b.label }}</text>
<rect x="{{ b.x0 }}" y="{{ b.y }}" width="{{ b.x - b.x0 }}" height="{{ risk.bar_height }}"
 fill="#f0ad4e"></rect>
<line x1="{{ b.lo }}" x2="{{ b.hi }}" y1="{{ b.y + 11 }}" y2="{{ b.y + 11 }}" stroke="#222"></line>
<text x="{{ b.hi + 6 }}" y="{{ b.y + 15 }}">{{ b.text }}</text>
{% endfor %}
</svg>
{% else %}<p>未发现不安全文档 / No unsafe document found.</p>{% endif %}

<h2>TC260 抽检 <span class="small">TC260 checks</span></h2>
<table id="checks">
<thead><tr><th>检查 Check</th><th>样本 Sample</th><th>要求 Required</th><th>合格率 Pass rate</th>
<th>95% 区间 95% CI</th><th>要求 Required</th><th>结果 Result</th></tr></thead>
<tbody>
<tr><td>技术抽检 Technical check</td>
<td>{{ "{:,}".format(t.n_scanned) }} / {{ "{:,}".format(t.n_docs) }}
 ({{ pct(t.sample_share) }})</td>
<td>≥ {{ pct(t.min_sample_share) }}</td><td>{{ pct(t.pass_rate) }}</td>
<td>{{ pct(t.ci_low) }} – {{ pct(t.ci_high) }}</td><td>≥ {{ pct(t.min_pass_rate) }}</td>
<td class="{{ 'pass' if t.passed else 'fail' }}">
{{- "达标 PASS" if t.passed else "未达标 FAIL" }}</td></tr>
{% if m %}<tr><td>人工抽检 Manual check</td><td>{{ "{:,}".format(m.n) }}</td>
<td>≥ {{ "{:,}".format(m.min_n) }}</td><td>{{ pct(m.pass_rate) }}</td>
<td>{{ pct(m.ci_low) }} – {{ pct(m.ci_high) }}</td><td>≥ {{ pct(m.min_pass_rate) }}</td>
<td class="{{ 'pass' if m.passed else 'fail' }}">
{{- "达标 PASS" if m.passed else "未达标 FAIL" }}</td></tr>
{% else %}<tr><td>人工抽检 Manual check</td><td colspan="6">尚未导入标注结果
（hegui corpus sample / import-review） · Not imported yet</td></tr>{% endif %}
</tbody></table>

{% if examples %}
<h2>输入问题示例 <span class="small">Bad input, examples with their place</span></h2>
<table id="problems"><thead><tr><th>来源 Source</th><th>类型 Kind</th><th>位置 Where</th>
<th>说明 Detail</th></tr></thead><tbody>
{% for source, e in examples %}<tr><td>{{ source }}</td><td>{{ e.kind }}</td><td>{{ e.where }}</td>
<td>{{ e.detail }}</td></tr>{% endfor %}
</tbody></table>
{% endif %}
<p class="small">不安全：某风险得分达到策略的拦截阈值。区间为 Wilson 95% 区间。
Unsafe: a risk reached the policy's block threshold. Intervals are 95% Wilson intervals.
Flagged documents with their evidence and place are in flagged.jsonl.</p>
</body>
</html>
"""

_VERDICTS = {"keep": "保留 keep", "drop": "剔除 drop", "no_data": "无数据 no data"}


def _sampling(audit: AuditResults) -> str:
    settings = audit.settings
    if settings.sample_n is not None:
        return f"每来源 {settings.sample_n:,} 条 / {settings.sample_n:,} per source"
    if settings.sample_rate is not None:
        return f"{settings.sample_rate:.2%}"
    return "全量 / full scan"


def render_report(audit: AuditResults) -> str:
    """The report for ``audit`` as one HTML document."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_TEMPLATE)
    return template.render(
        a=audit,
        rows=audit.sources,
        t=audit.technical_check,
        m=audit.manual_check,
        pct=_pct,
        verdicts=_VERDICTS,
        sampling=_sampling(audit),
        share=_share_chart(audit.sources, audit.max_unsafe_share),
        risk=_risk_chart(audit.overall),
        examples=[(s.source, e) for s in audit.sources for e in s.examples],
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
