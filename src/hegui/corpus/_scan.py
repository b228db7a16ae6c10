"""The corpus mode of the detection cascade, and what one scanned document adds to the audit.

The corpus mode is the policy's own cascade (:func:`hegui.detect.build_cascade`) with two
settings changed for throughput: the e5 embedded tier runs only when asked (``--embedded``),
and the n-gram classifier runs on every document or only where the keyword tier left a risk
uncertain (``--classifier``). A document is *unsafe* when some risk reaches its block
threshold (the verdict is ``block`` in the public scope), *flagged* when it reaches a flag
threshold only. A text longer than the policy's ``max_chars`` is checked in pieces of that
size and its worst verdict counts.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

from hegui.corpus._models import AuditSettings, ClassifierRun
from hegui.corpus._readers import Document
from hegui.detect import Cascade, Decision, Role, TierRun, Verdict, build_cascade
from hegui.policy import Scope

EXCERPT_CHARS = 300


def corpus_cascade(settings: AuditSettings) -> Cascade:
    """The cascade in corpus mode for ``settings`` (module docstring)."""
    return _cached_cascade(settings.policy, settings.embedded, settings.classifier)


@functools.cache
def _cached_cascade(policy: str, embedded: bool, classifier: ClassifierRun) -> Cascade:
    from hegui.detect.classifier import EmbeddingClassifier, NgramClassifier

    full = build_cascade(policy, Scope.PUBLIC)
    tiers = []
    for tier in full.tiers:
        if isinstance(tier.detector, EmbeddingClassifier):
            run = tier.run if tier.run is not TierRun.NEVER else TierRun.UNCERTAIN
            tier = dataclasses.replace(tier, run=run if embedded else TierRun.NEVER)
        elif isinstance(tier.detector, NgramClassifier):
            tier = dataclasses.replace(tier, run=TierRun(classifier.value))
        # A tier that never runs changes no verdict; left out, its detector (the e5 heads,
        # ~50 MB) is freed instead of sitting in every worker.
        if tier.run is not TierRun.NEVER:
            tiers.append(tier)
    # The pack's uncertain band is tuned for the n-gram -> e5 step; in corpus mode the n-gram
    # tier is the escalation of the keyword and PII tiers, so any non-decisive hit escalates.
    band = full.policy.cascade.model_copy(update={"uncertain_low": 1e-9, "uncertain_high": None})
    return Cascade(full.policy.model_copy(update={"cascade": band}), tiers, Scope.PUBLIC)


def check_document(cascade: Cascade, text: str) -> Verdict:
    """The worst verdict over ``text`` cut into pieces of at most ``max_chars``."""
    limit = cascade.policy.cascade.max_chars
    if len(text) <= limit:
        return cascade.check(text, Role.PROMPT)
    verdicts = [
        cascade.check(text[start : start + limit], Role.PROMPT)
        for start in range(0, len(text), limit)
    ]
    return max(verdicts, key=lambda v: v.decision.rank)


def scan(cascade: Cascade, documents: Sequence[Document]) -> list[Verdict]:
    """One verdict per document, in order; texts within ``max_chars`` are checked as one
    batch (:meth:`Cascade.check_many`), longer ones piece by piece."""
    limit = cascade.policy.cascade.max_chars
    short = [i for i, doc in enumerate(documents) if len(doc.text) <= limit]
    verdicts: list[Verdict | None] = [None] * len(documents)
    batch = cascade.check_many([documents[i].text for i in short], Role.PROMPT)
    for i, verdict in zip(short, batch, strict=True):
        verdicts[i] = verdict
    return [
        verdict if verdict is not None else check_document(cascade, doc.text)
        for doc, verdict in zip(documents, verdicts, strict=True)
    ]


def risks_at(verdict: Verdict, decision: Decision) -> list[str]:
    """Risk ids whose own decision is ``decision``."""
    return [c.id for c in verdict.categories if c.decision is decision]


def flagged_item(doc: Document, verdict: Verdict) -> dict[str, Any]:
    """The ``flagged.jsonl`` line of a flagged or unsafe document, with its provenance."""
    spans = verdict.spans
    if spans:
        first = min(span.start for span in spans)
        begin = max(0, first - EXCERPT_CHARS // 3)
    else:
        begin = 0
    return {
        "source": doc.source,
        "file": doc.file,
        doc.locator: doc.number,
        "decision": verdict.decision.value,
        "decided_by": verdict.decided_by,
        "risks": [
            {"id": c.id, "score": c.score, "detector": c.detector, "decision": c.decision.value}
            for c in verdict.categories
            if c.decision is not Decision.ALLOW
        ],
        "evidence": [
            {
                "text": s.text,
                "label": s.label,
                "detector": s.detector,
                "score": s.score,
                "start": s.start,
                "end": s.end,
            }
            for s in spans
        ],
        "excerpt": doc.text[begin : begin + EXCERPT_CHARS],
        "excerpt_start": begin,
        "policy": f"{verdict.policy_id}@{verdict.policy_version}",
    }
