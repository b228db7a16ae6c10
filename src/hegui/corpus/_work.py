"""The two units of work an engine runs, with plain-JSON inputs and outputs.

:func:`audit_shard` reads one shard, counts every document and problem per source, and either
scans the sampled documents or keeps the smallest-key candidates of a fixed-size sample;
:func:`scan_documents` scans a list of chosen documents. Both run in any process (a local
worker, a Ray task): each process builds its cascade once and reuses it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from hegui.corpus._models import AuditSettings
from hegui.corpus._readers import Document, Problem, read_shard
from hegui.corpus._sampling import FileKeys, Reservoir, below_rate
from hegui.corpus._scan import corpus_cascade, flagged_item, scan
from hegui.corpus._shards import Shard
from hegui.corpus._tally import Tallies

BATCH = 1024
"""Documents scanned per call to the cascade. Measured on a forum shard (8% unsafe, one core):
1,024 is about 10% faster than 256 (each tier's fixed cost per call is shared by more texts)
and 2,048 is slower again (the batch's arrays outgrow the CPU caches)."""

SelectBy = Literal["source", "all"]


def audit_shard(
    shard: dict[str, Any],
    settings: dict[str, Any],
    select_n: int | None = None,
    select_by: SelectBy = "source",
) -> dict[str, Any]:
    """Read, count and scan (or pick candidates from) one shard.

    Returns ``{"shard", "tallies", "flagged", "candidates", "n_docs"}``; ``candidates`` maps a
    group (a source, or ``"*"`` with ``select_by="all"``) to ``[key, document]`` pairs when
    ``select_n`` is set, and then nothing is scanned.
    """
    audit = AuditSettings.model_validate(settings)
    piece = Shard.from_dict(shard)
    keys = FileKeys(audit.seed, piece.file)
    rate = audit.sample_rate
    tallies = Tallies()
    flagged: list[dict[str, Any]] = []
    reservoirs: dict[str, Reservoir[Document]] = {}
    batch: list[Document] = []
    n_docs = 0
    for item in read_shard(piece, audit):
        if isinstance(item, Problem):
            tallies.of(item.source).add_problem(item)
            continue
        n_docs += 1
        tallies.of(item.source).add_document(item)
        if select_n is not None:
            group = item.source if select_by == "source" else "*"
            reservoirs.setdefault(group, Reservoir(select_n)).offer(keys(item.number), item)
        elif rate is None or below_rate(keys(item.number), rate):
            batch.append(item)
            if len(batch) >= BATCH:
                _scan_into(batch, audit, tallies, flagged)
                batch = []
    _scan_into(batch, audit, tallies, flagged)
    return {
        "shard": piece.id,
        "tallies": tallies.as_json(),
        "flagged": flagged,
        "candidates": {
            group: [[str(key), asdict(doc)] for key, doc in reservoir.entries()]
            for group, reservoir in reservoirs.items()
        },
        "n_docs": n_docs,
    }


def scan_documents(
    documents: list[dict[str, Any]], settings: dict[str, Any], evidence: bool = False
) -> dict[str, Any]:
    """Scan chosen documents: ``{"tallies", "flagged", "evidence"}``.

    ``evidence`` (when asked) holds, for every document in order, its ``flagged.jsonl``-style
    record, allowed documents included (the manual-review sample needs them all).
    """
    audit = AuditSettings.model_validate(settings)
    docs = [Document(**doc) for doc in documents]
    tallies = Tallies()
    flagged: list[dict[str, Any]] = []
    verdicts = scan(corpus_cascade(audit), docs)
    records: list[dict[str, Any]] = []
    for doc, verdict in zip(docs, verdicts, strict=True):
        if tallies.of(doc.source).add_verdict(doc, verdict):
            flagged.append(flagged_item(doc, verdict))
        if evidence:
            records.append(flagged_item(doc, verdict))
    return {"tallies": tallies.as_json(), "flagged": flagged, "evidence": records}


def _scan_into(
    batch: list[Document],
    audit: AuditSettings,
    tallies: Tallies,
    flagged: list[dict[str, Any]],
) -> None:
    if not batch:
        return
    for doc, verdict in zip(batch, scan(corpus_cascade(audit), batch), strict=True):
        if tallies.of(doc.source).add_verdict(doc, verdict):
            flagged.append(flagged_item(doc, verdict))
