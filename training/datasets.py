"""Readers for the public data sets and the project's labelled data, and the fixed split.

``load_all(datasets_dir)`` returns every labelled example the default heads are built from,
deduplicated across sources on the normalised text; ``split_of(text)`` assigns a text to
``train`` (70 %), ``dev`` (10 %) or ``test`` (20 %) by a hash of its normalised form, so the
split is the same on every machine and for every consumer (the rebuild script trains on
train, tunes on dev; the accuracy bench evaluates the whole cascade on test).

Nothing here copies rows into the repository: the public sets are read from
``datasets_dir`` (default ``../shared/datasets`` next to the repository). Label mapping:

* HarmBench (text_all), StrongREJECT, JailbreakBench goals and PAIR prompts (en) — unsafe,
  categories mapped by the tables below; AdvBench (en) — unsafe, category unknown.
* JADE-DB v1/v2 questions (zh, plus 80 en) — unsafe, mapped by violation subtype (first one
  when several); v3 questions — unsafe, category unknown; v3 violating answers — unsafe
  answers; v3 safe helpful answers — safe answers.
* CValues responsibility prompts (zh) — safe (sensitive but legitimate questions).
* Flames (zh) — prompts designed to draw a harmful answer, most of which a good service
  answers with care. Subcomponents whose prompts are answerable (non-anthropomorphism,
  Chinese values, disobeying social norms, environment, property safety, sensitive
  information) are safe; the others (bias, toxic language, physical / mental harm, law
  violation, personal data) mix both and are left out.
* COLD (zh, train + dev files) — deterministic 12.5 % sample; offensive (1) by topic: race ->
  hate, region -> A2.4, gender -> A2.5; not offensive (0) -> safe.
* ``training/data/*.jsonl`` — the project's own labelled examples (``text``, ``label``,
  ``lang``), read as written.

A text that two sources label inconsistently (safe in one, unsafe in another) is dropped.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from hegui.detect.classifier import Example, read_labelled  # noqa: E402
from hegui.detect.classifier._text import normalise  # noqa: E402

DEFAULT_DATASETS = REPO.parent / "shared" / "datasets"
PROJECT_DATA = REPO / "training" / "data"

SPLITS = ("train", "dev", "test")

HARMBENCH = {
    "chemical_biological": "violence",
    "cybercrime_intrusion": "cybercrime",
    "illegal": "A1.8",
    "misinformation_disinformation": "misinformation",
    "harassment_bullying": "harassment",
    "harmful": "violence",
    "copyright": "A3.1",
}
STRONGREJECT = {
    "Non-violent crimes": "A1.8",
    "Violence": "violence",
    "Disinformation and deception": "misinformation",
    "Hate, harassment and discrimination": "hate",
    "Illegal goods and services": "A1.8",
    "Sexual content": "sexual",
}
JAILBREAKBENCH = {
    "Harassment/Discrimination": "harassment",
    "Malware/Hacking": "cybercrime",
    "Physical harm": "violence",
    "Economic harm": "fraud",
    "Fraud/Deception": "fraud",
    "Disinformation": "misinformation",
    "Sexual/Adult content": "sexual",
    "Privacy": "privacy",
    "Expert advice": "unsafe",
    "Government decision-making": "A1.8",
}
JADE = {
    "侵害他人隐私权": "privacy",
    "侵害他人个人信息权益": "privacy",
    "非法获取私人信息": "privacy",
    "非法侵入": "cybercrime",
    "网络欺诈与犯罪": "cybercrime",
    "侵害他人身心健康": "violence",
    "危害他人身心健康": "violence",
    "故意伤害他人": "violence",
    "非法持有武器": "violence",
    "虐待与贩卖人口": "violence",
    "宣扬暴力": "violence",
    "宣扬暴力、淫秽色情": "violence",
    "宣扬淫秽色情": "sexual",
    "宣扬恐怖主义、极端主义": "terrorism",
    "诈骗": "fraud",
    "非法伪造": "fraud",
    "传播虚假有害信息": "misinformation",
    "贩卖毒品": "drugs",
    "危害国家利益、损害国家形象": "A1.2",
    "侵害国家利益、侵害国家形象": "A1.2",
    "宣扬民族歧视": "A1.5",
    "民族歧视内容": "A2.1",
    "种族歧视内容": "A2.1",
    "肤色歧视内容": "A2.1",
    "信仰歧视内容": "A2.2",
    "国别歧视内容": "A2.3",
    "地域歧视内容": "A2.4",
    "性别歧视内容": "A2.5",
    "年龄歧视内容": "A2.6",
    "职业歧视内容": "A2.7",
    "健康歧视内容": "A2.8",
    "其他方面歧视内容": "A2.9",
    "服装歧视内容": "A2.9",
    "违反商业道德": "A3.2",
    "泄露他人商业秘密": "A3.3",
    "内幕交易": "A3.5",
    "侵害他人肖像权": "A4.2",
    "侵害他人名誉权": "A4.3",
}
"""JADE-DB violation subtype -> detector label; subtypes not listed (other crimes, theft,
robbery, smuggling, corruption, gambling, drink-driving, ...) map to A1.8 (other unlawful
content) when the violation type is 违法犯罪, else stay ``unsafe`` (category unknown)."""
FLAMES_SAFE = {
    "Non-anthropomorphism",
    "Chinese values",
    "Disobey social norm",
    "Non-environmental friendly",
    "Property safety",
    "Sensitive information",
}
COLD = {"race": "hate", "region": "A2.4", "gender": "A2.5"}
COLD_PER_MILLE = 125


def split_of(text: str) -> str:
    """``"train"``, ``"dev"`` or ``"test"`` for ``text``: SHA-1 of the normalised text mod 100,
    below 70 train, below 80 dev, else test."""
    bucket = int(hashlib.sha1(normalise(text).encode()).hexdigest(), 16) % 100
    return "train" if bucket < 70 else "dev" if bucket < 80 else "test"


def load_all(
    datasets_dir: Path = DEFAULT_DATASETS, project_dir: Path = PROJECT_DATA
) -> list[Example]:
    """Every labelled example, deduplicated on the normalised text (module docstring)."""
    seen: dict[str, Example] = {}
    conflicted: set[str] = set()
    for example in _all_sources(datasets_dir, project_dir):
        key = normalise(example.text)
        if not key:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = example
        elif first.unsafe != example.unsafe:
            conflicted.add(key)
    return [example for key, example in seen.items() if key not in conflicted]


def prompts_of_split(split: str, datasets_dir: Path = DEFAULT_DATASETS) -> list[Example]:
    """The prompts (not answers) among :func:`load_all`'s examples whose :func:`split_of` is
    ``split``: what the tuning scripts (``"dev"``) and the accuracy bench (``"test"``) read."""
    return [e for e in load_all(datasets_dir) if e.role == "prompt" and split_of(e.text) == split]


USED = ("cold", "cvalues", "flames", "harmbench", "jade_db", "jailbreakbench_artifacts")
"""The data set folders :func:`load_all` reads (SafetyBench's multiple-choice items are not
prompts and are left out)."""


def source_commits(datasets_dir: Path = DEFAULT_DATASETS) -> dict[str, str]:
    """Folder -> ``repository @ commit`` from the SOURCE.txt of each data set in :data:`USED`."""
    commits = {}
    for name in USED:
        source = datasets_dir / name / "SOURCE.txt"
        if source.exists():
            commits[name] = source.read_text("utf-8").strip()
    return commits


def _all_sources(datasets_dir: Path, project_dir: Path) -> Iterator[Example]:
    # The project's own data first: its labels win a dedup tie with a public set.
    for path in sorted(project_dir.glob("*.jsonl")):
        for example in read_labelled(path):
            yield Example(
                example.text, example.label, example.lang, example.role, f"project:{path.stem}"
            )
    yield from _harmbench(datasets_dir / "harmbench")
    yield from _jailbreakbench(datasets_dir / "jailbreakbench_artifacts")
    yield from _jade(datasets_dir / "jade_db")
    yield from _cvalues(datasets_dir / "cvalues")
    yield from _flames(datasets_dir / "flames")
    yield from _cold(datasets_dir / "cold")


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _harmbench(folder: Path) -> Iterator[Example]:
    for row in _csv(folder / "data_behavior_datasets_harmbench_behaviors_text_all.csv"):
        yield Example(
            row["Behavior"], HARMBENCH[row["SemanticCategory"]], "en", "prompt", "harmbench"
        )
    for row in _csv(folder / "data_behavior_datasets_strongreject_dataset.csv"):
        yield Example(
            row["forbidden_prompt"], STRONGREJECT[row["category"]], "en", "prompt", "strongreject"
        )
    for row in _csv(
        folder / "data_behavior_datasets_extra_behavior_datasets_advbench_behaviors.csv"
    ):
        yield Example(row["Behavior"], "unsafe", "en", "prompt", "advbench")


def _jailbreakbench(folder: Path) -> Iterator[Example]:
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        for item in data["jailbreaks"]:
            label = JAILBREAKBENCH[item["category"]]
            yield Example(item["goal"], label, "en", "prompt", "jailbreakbench")
            if "PAIR" in path.name and item.get("prompt"):
                yield Example(item["prompt"], label, "en", "prompt", "jailbreakbench-pair")


def _jade(folder: Path) -> Iterator[Example]:
    for path in sorted(folder.glob("jade-db-v[12]*.csv")):
        lang = "en" if path.stem.endswith("_en") else "zh"
        for row in _csv(path):
            subtype = row["违规子类"].split("|")[0].strip()
            label = JADE.get(subtype) or ("A1.8" if "违法犯罪" in row["违规类型"] else "unsafe")
            yield Example(row["问题"], label, lang, "prompt", "jade_db")
    for path in sorted(folder.glob("jade-db-v3*.csv")):
        for row in _csv(path):
            yield Example(row["问题"], "unsafe", "zh", "prompt", "jade_db-v3")
            yield Example(row["违规回答"], "unsafe", "zh", "answer", "jade_db-v3-answer")
            yield Example(row["安全有用回答"], "safe", "zh", "answer", "jade_db-v3-answer")


def _cvalues(folder: Path) -> Iterator[Example]:
    with (folder / "dataset_cvalues_responsibility_prompts.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield Example(json.loads(line)["prompt"], "safe", "zh", "prompt", "cvalues")


def _flames(folder: Path) -> Iterator[Example]:
    with (folder / "Flames_1k_Chinese.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                if row["subcomponent"] in FLAMES_SAFE:
                    yield Example(row["prompt"], "safe", "zh", "prompt", "flames")


def _cold(folder: Path) -> Iterator[Example]:
    for name in ("COLDataset_train.csv", "COLDataset_dev.csv"):
        for row in _csv(folder / name):
            text = row["TEXT"]
            if int(hashlib.sha1(text.encode()).hexdigest(), 16) % 1000 >= COLD_PER_MILLE:
                continue
            label = COLD[row["topic"]] if row["label"] == "1" else "safe"
            yield Example(text, label, "zh", "prompt", "cold")
