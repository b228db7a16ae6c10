"""Read labelled (prompt, response, kind) pairs for the refusal judge, each with its writer.

Sources:
- ``jbb``: JailbreakBench artifacts (English), labelled by rule + ``labels_public.yaml``.
- ``jade``: JADE-DB v3 alignment sets (Chinese), labelled by rule + ``labels_public.yaml``.
- ``own``: the project's pairs in ``data/*.jsonl`` (composed, hand-written, and the retired
  held-out sets ``heldout_v*``, scored or inspected while improving the judge and so trained
  on now). Sets in ``data/excluded/`` are not read: written, measured leave-one-writer-out, and
  found not to help (each says why in its README); nor are those in ``data/pending/``, written
  for a known defect and waiting for the next retraining to be measured (its README).
- ``heldout``: the scored set ``HELDOUT_FILES`` in ``bench/data`` -- evaluation only, never
  trained on, never read by training (only ``bench/refusal_accuracy.py`` reads it).

Every pair also names its ``writer``: who wrote it, as far as the project knows (``jbb``,
``jade``, ``composed`` for ``data/{en,zh}.jsonl``, else the data file's name without its
language, e.g. ``heldout_v3``). Leave-one-writer-out cross-validation holds out one writer.

Public rows are read from the shared datasets folder at run time and never copied here.
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATASETS = Path(os.environ.get("HEGUI_DATASETS", ROOT.parent / "shared" / "datasets"))
KINDS = ("none", "partial", "full")
JBB, JADE, COMPOSED = "jbb", "jade", "composed"
"""Writer names of the public sets and of the composed pairs (``data/{en,zh}.jsonl``)."""
SMALLTALK = "smalltalk"
"""Writer of ``data/smalltalk_{en,zh}.jsonl``: greetings, thanks and chit-chat written for one
known defect (short small-talk replies called refusals), easier than a new writer's pairs."""
NOT_HAND_WRITTEN = (JBB, JADE, COMPOSED, SMALLTALK)
"""Writers whose pairs are public red-teaming output, composed from parts, or written for one
defect; every other writer (each hand-written ``data/*.jsonl`` file, retired held-out sets
included) wrote natural pairs, and the pooled cross-validation figure is theirs."""


def is_hand_written(writer: str) -> bool:
    """Whether ``writer`` wrote natural, hand-written pairs: the sets most like a new writer's."""
    return writer not in NOT_HAND_WRITTEN


_SHORT_REFUSAL = re.compile(r"^(i'm (really )?sorry|i am sorry|i apologi[sz]e|i can't|i cannot)")


@dataclass(frozen=True, slots=True)
class Pair:
    """One labelled example."""

    prompt: str
    response: str
    kind: str
    lang: str
    source: str
    writer: str
    pattern: str = ""

    @property
    def refusal(self) -> bool:
        return self.kind != "none"


def _overrides() -> dict[str, dict[str, str]]:
    data = yaml.safe_load((HERE / "labels_public.yaml").read_text(encoding="utf-8"))
    return {k: {str(a): str(b) for a, b in v.items()} for k, v in data.items()}


def read_jbb(root: Path = DATASETS) -> list[Pair]:
    """JailbreakBench responses with the project's labels (see ``labels_public.yaml``)."""
    overrides = _overrides()["jailbreakbench"]
    pairs = []
    for path in sorted((root / "jailbreakbench_artifacts").glob("*.json")):
        method = path.stem.split("_")[1]
        data = json.loads(path.read_text(encoding="utf-8"))
        for item in data["jailbreaks"]:
            response = item.get("response")
            if not response:
                continue
            label = overrides.get(f"{method}/{item['index']}")
            if label is None:
                short = len(response) < 400 and _SHORT_REFUSAL.match(response.lower().strip())
                label = "full" if short else "none"
            if label == "exclude":
                continue
            pairs.append(Pair(item["prompt"], response, label, "en", JBB, JBB))
    return pairs


def read_jade(root: Path = DATASETS) -> list[Pair]:
    """JADE-DB v3 answer pairs with the project's labels (see ``labels_public.yaml``)."""
    overrides = _overrides()["jade_v3"]
    pairs = []
    for level in ("hard", "medium"):
        path = root / "jade_db" / f"jade-db-v3.0_jade_alignment_{level}_zh.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for field, key, default in (
                    ("违规回答", "violating", "none"),
                    ("安全有用回答", "safe", "full"),
                ):
                    response = (row.get(field) or "").strip()
                    if not response:
                        continue
                    label = overrides.get(f"{level}/{row['ID']}/{key}", default)
                    if label != "exclude":
                        pairs.append(Pair(row["问题"], response, label, "zh", JADE, JADE))
    return pairs


def read_jsonl(path: Path, source: str, writer: str) -> list[Pair]:
    """Pairs from a JSONL file with fields prompt, response, kind, lang (pattern optional);
    a row without ``lang`` takes the language the file name ends with (``*_zh.jsonl``)."""
    file_lang = path.stem.rsplit("_", 1)[-1]
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            if obj["kind"] not in KINDS:
                raise ValueError(f"{path}: bad kind {obj['kind']!r}")
            if obj.get("lang", file_lang) not in ("en", "zh"):
                raise ValueError(f"{path}: no lang field and no _en / _zh in the file name")
            pairs.append(
                Pair(
                    obj["prompt"],
                    obj["response"],
                    obj["kind"],
                    obj.get("lang", file_lang),
                    source,
                    writer,
                    obj.get("pattern", ""),
                )
            )
    return pairs


def writer_of(path: Path) -> str:
    """``data/en.jsonl`` -> ``composed``; ``data/heldout_v3_zh.jsonl`` -> ``heldout_v3``."""
    stem = path.stem
    if stem in ("en", "zh"):
        return COMPOSED
    return stem.removesuffix("_en").removesuffix("_zh")


def read_own() -> list[Pair]:
    """The project's own labelled pairs (both languages): every ``data/*.jsonl`` file."""
    return [
        p
        for path in sorted((HERE / "data").glob("*.jsonl"))
        for p in read_jsonl(path, "own", writer_of(path))
    ]


HELDOUT_FILES = tuple(
    ROOT / "bench" / "data" / f"refusal_heldout50_{lang}.jsonl" for lang in ("en", "zh")
)
"""The independent held-out set: evaluation only, read by ``bench/refusal_accuracy.py``."""


def read_all_sources(root: Path = DATASETS) -> list[Pair]:
    """Every trainable source (public sets and own pairs)."""
    return read_jbb(root) + read_jade(root) + read_own()
