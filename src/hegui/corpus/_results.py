"""From summed tallies to :class:`AuditResults`: shares, Wilson intervals and the verdicts.

Every bar (the 5% limit, the technical check's 10% and 98%, the manual check's 4,000 and 96%)
is read from the policy pack's ``requirements``; none is written in code.
"""

from __future__ import annotations

from hegui.corpus._models import (
    AuditResults,
    AuditSettings,
    Engine,
    JudgeOn,
    ProblemExample,
    RiskShare,
    SourceResult,
    TechnicalCheck,
)
from hegui.corpus._tally import SourceTally, Tallies
from hegui.errors import HeguiError
from hegui.policy import PolicyPack
from hegui.stats import wilson


def requirement(pack: PolicyPack, name: str, value: str) -> float:
    """``pack.requirements[name].values[value]``, or an error naming what is missing."""
    found = pack.requirements.get(name)
    if found is None or value not in found.values:
        raise HeguiError(
            f"policy {pack.id} sets no requirements.{name}.values.{value}; the corpus audit "
            "reads its bars from the policy pack",
            f"策略 {pack.id} 未设置 requirements.{name}.values.{value}；语料审核的门槛取自策略包",
            pack.id,
        )
    return float(found.values[value])


def source_result(
    name: str, tally: SourceTally, pack: PolicyPack, limit: float, judge_on: JudgeOn
) -> SourceResult:
    """One source's figures and its 5%-rule verdict."""
    n = tally.n_scanned
    per_risk: list[RiskShare] = []
    share = low = high = judged = None
    verdict: str = "no_data"
    if n:
        share = tally.n_unsafe / n
        low, high = wilson(tally.n_unsafe, n)
        judged = high if judge_on is JudgeOn.UPPER else share
        verdict = "drop" if judged > limit else "keep"
        for risk in pack.risks:
            count = tally.risk_unsafe.get(risk.id, 0)
            if count:
                r_low, r_high = wilson(count, n)
                per_risk.append(
                    RiskShare(
                        risk=risk.id,
                        name_zh=risk.name.zh,
                        name_en=risk.name.en,
                        n_unsafe=count,
                        share=count / n,
                        ci_low=r_low,
                        ci_high=r_high,
                    )
                )
    return SourceResult(
        source=name,
        n_docs=tally.n_docs,
        n_scanned=n,
        n_unsafe=tally.n_unsafe,
        n_flagged=tally.n_flagged,
        unsafe_share=share,
        ci_low=low,
        ci_high=high,
        verdict=verdict,  # type: ignore[arg-type]
        judged_value=judged,
        per_risk=per_risk,
        problems=dict(sorted(tally.problems.items())),
        encodings=dict(sorted(tally.encodings.items())),
        n_bytes=tally.n_bytes,
        examples=[ProblemExample(**example) for example in tally.examples],
    )


def technical_check(overall: SourceTally, pack: PolicyPack, judge_on: JudgeOn) -> TechnicalCheck:
    """The technical check over the whole corpus."""
    min_share = requirement(pack, "technical_corpus_check", "min_sample_share")
    min_rate = requirement(pack, "technical_corpus_check", "min_pass_rate")
    n, total = overall.n_scanned, overall.n_docs
    share = n / total if total else 0.0
    rate = low = high = judged = None
    passed = False
    if n:
        rate = 1 - overall.n_unsafe / n
        low, high = wilson(n - overall.n_unsafe, n)
        judged = low if judge_on is JudgeOn.UPPER else rate
        passed = share >= min_share and judged >= min_rate
    return TechnicalCheck(
        n_docs=total,
        n_scanned=n,
        sample_share=share,
        min_sample_share=min_share,
        pass_rate=rate,
        ci_low=low,
        ci_high=high,
        min_pass_rate=min_rate,
        judged_value=judged,
        passed=passed,
    )


def build_results(
    tallies: Tallies,
    settings: AuditSettings,
    pack: PolicyPack,
    engine: Engine,
    seconds: float,
) -> AuditResults:
    """The audit's results from the summed tallies of every shard."""
    limit = requirement(pack, "training_source", "max_unsafe_share")
    overall = SourceTally()
    for tally in tallies.values():
        overall.merge(tally)
    return AuditResults(
        policy=f"{pack.id}@{pack.version}",
        settings=settings,
        max_unsafe_share=limit,
        judge_on=settings.judge_on,
        sources=[
            source_result(name, tally, pack, limit, settings.judge_on)
            for name, tally in sorted(tallies.items())
        ],
        overall=source_result("*", overall, pack, limit, settings.judge_on),
        technical_check=technical_check(overall, pack, settings.judge_on),
        engine=engine,
        seconds=round(seconds, 3),
    )
