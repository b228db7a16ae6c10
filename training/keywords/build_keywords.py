"""Build hegui's keyword library from the hand-written seed files.

Run from the repository root::

    .venv/bin/python training/keywords/build_keywords.py

Reads ``training/keywords/seeds/*.yaml`` (templates and components, one file per theme),
expands every template over its components, folds duplicates, checks every entry, and writes
one ``src/hegui/detect/keywords/data/<label>.tsv`` per detector label. The output is
deterministic: the same seeds always give byte-identical files.

Checks that fail the build (exit status 1, message names the seed file and group):

* a label that ``src/hegui/detect/labels.yaml`` does not define;
* a weight outside (0, 1], a language other than zh / en / any;
* a term shorter than 2 characters (Chinese) or 3 Latin letters (English), or one holding a tab;
* a Chinese term in traditional characters (normalisation folds those; storing them is waste);
* an entry of weight >= the blocking floor that matches a sentence of ``seeds/_safe.yaml``
  (substring for Chinese, whole-word phrase for English) — the guard against keywords that
  would block an innocent question on their own;
* a TC260 risk whose entry count is below its floor in ``floors.yaml``, or fewer entries in
  all than its ``total_floor`` (nothing is written then).
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SEEDS = HERE / "seeds"
LABELS_FILE = ROOT / "src" / "hegui" / "detect" / "labels.yaml"
OUT_DIR = ROOT / "src" / "hegui" / "detect" / "keywords" / "data"
LANGS = ("zh", "en", "any")
SLOT = re.compile(r"\{(?:(a):)?([A-Za-z0-9_]+)\}")
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[a-z0-9]")


class SeedError(Exception):
    """A seed file is malformed or produces an entry that breaks a rule; message says where."""


@dataclass(frozen=True)
class Entry:
    """One keyword: the term, its detector label, weight, language and the group it came from."""

    term: str
    label: str
    weight: float
    lang: str
    source: str


def canonical(term: str) -> str:
    """Return the stored form of a term: NFKC, lower case, single spaces, trimmed."""
    text = unicodedata.normalize("NFKC", term).lower()
    return " ".join(text.split())


def with_article(noun: str) -> str:
    """Prefix an English noun phrase with "a" or "an" by its first letter."""
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def load_yaml(path: Path) -> Any:
    """Parse one YAML file, naming the file on a syntax error."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SeedError(f"{path.name}: invalid YAML: {exc}") from exc


def slot_values(slots: dict[str, Any], name: str, lang: str, where: str) -> list[str]:
    """Return the component list for ``name`` in ``lang`` (a slot is a list or {zh:, en:})."""
    if name not in slots:
        raise SeedError(f"{where}: unknown slot {{{name}}}")
    value = slots[name]
    if isinstance(value, dict):
        if lang not in value:
            raise SeedError(f"{where}: slot {{{name}}} has no '{lang}' list")
        value = value[lang]
    if not isinstance(value, list) or not value:
        raise SeedError(f"{where}: slot {{{name}}} must be a non-empty list")
    return [str(v) for v in value]


def expand(template: str, slots: dict[str, Any], lang: str, where: str) -> list[str]:
    """Expand one template over the cartesian product of its slots' components."""
    parts = SLOT.split(template)
    # SLOT has two groups, so split yields: text, article?, name, text, article?, name, ...
    texts = parts[0::3]
    choices: list[list[str]] = []
    for article, name in zip(parts[1::3], parts[2::3], strict=True):
        values = slot_values(slots, name, lang, where)
        choices.append([with_article(v) if article else v for v in values])
    out = []
    for combo in itertools.product(*choices):
        pieces = [texts[0]]
        for value, text in zip(combo, texts[1:], strict=True):
            pieces.extend([value, text])
        out.append("".join(pieces))
    return out


def check_term(term: str, lang: str, where: str, t2s: Any) -> None:
    """Raise SeedError if a term is too short, holds a tab, or is in traditional Chinese."""
    if "\t" in term or "\n" in term:
        raise SeedError(f"{where}: term {term!r} holds a tab or newline")
    if CJK.search(term):
        if len(term.replace(" ", "")) < 2:
            raise SeedError(f"{where}: Chinese term {term!r} is shorter than 2 characters")
        if t2s is not None and t2s.convert(term) != term:
            raise SeedError(f"{where}: term {term!r} is traditional Chinese; seed simplified")
    elif len(LATIN.findall(term)) < 3:
        raise SeedError(f"{where}: term {term!r} has fewer than 3 Latin letters or digits")


def read_seed(path: Path, shared: dict[str, Any], labels: set[str], t2s: Any) -> list[Entry]:
    """Expand every group of one seed file into entries, validating as it goes."""
    doc = load_yaml(path)
    if not isinstance(doc, dict) or "groups" not in doc:
        raise SeedError(f"{path.name}: needs a top-level 'groups' list")
    slots = {**shared, **(doc.get("slots") or {})}
    entries: list[Entry] = []
    for i, group in enumerate(doc["groups"]):
        gid = group.get("id", f"#{i}")
        where = f"{path.name} group {gid}"
        label = str(group.get("label", doc.get("label", "")))
        lang = str(group.get("lang", ""))
        weight = group.get("weight")
        if label not in labels:
            raise SeedError(f"{where}: label {label!r} is not in labels.yaml")
        if lang not in LANGS:
            raise SeedError(f"{where}: lang {lang!r} must be one of {LANGS}")
        if not isinstance(weight, int | float) or not 0 < weight <= 1:
            raise SeedError(f"{where}: weight {weight!r} must be a number in (0, 1]")
        templates = group.get("templates") or []
        if not templates:
            raise SeedError(f"{where}: no templates")
        # bind: {g: region} lets one template list serve several component lists.
        bound = {**slots}
        for alias, name in (group.get("bind") or {}).items():
            if name not in slots:
                raise SeedError(f"{where}: bind {alias} -> unknown slot {name!r}")
            bound[alias] = slots[name]
        source = f"{path.relative_to(ROOT)}#{gid}"
        for template in templates:
            slot_lang = "zh" if lang == "any" else lang
            for raw in expand(str(template), bound, slot_lang, where):
                term = canonical(raw)
                check_term(term, lang, where, t2s)
                # A Latin-only term from a Chinese list (LSD, GHB) is not Chinese text.
                term_lang = "any" if lang == "zh" and not CJK.search(term) else lang
                entries.append(Entry(term, label, float(weight), term_lang, source))
    return entries


def fold(entries: list[Entry]) -> list[Entry]:
    """Keep one entry per (term, label): the highest weight, first source on ties."""
    best: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        key = (entry.term, entry.label)
        if key not in best or entry.weight > best[key].weight:
            best[key] = entry
    return list(best.values())


def matches(term: str, sentence: str) -> bool:
    """Substring match for Chinese terms, whole-word phrase match for Latin ones."""
    if CJK.search(term):
        return term in sentence
    return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", sentence) is not None


def safe_violations(entries: list[Entry], sentences: list[str], floor: float) -> list[str]:
    """List every entry of weight >= floor that matches one of the safe sentences."""
    normal = [canonical(s) for s in sentences]
    bad = []
    for entry in entries:
        if entry.weight < floor:
            continue
        for sentence in normal:
            if matches(entry.term, sentence):
                bad.append(
                    f"{entry.term!r} ({entry.label}, {entry.weight}, {entry.source})"
                    f" matches safe sentence {sentence!r}"
                )
    return bad


def write_tsv(label: str, entries: list[Entry], updated: str) -> Path:
    """Write one label's entries, sorted by language, weight (high first) and term."""
    path = OUT_DIR / f"{label}.tsv"
    sources = Counter(e.source for e in entries)
    lines = [
        f"# updated: {updated}",
        f"# label: {label}; {len(entries)} entries; generated by "
        "training/keywords/build_keywords.py — edit the seeds, not this file",
        "# columns: term<TAB>label<TAB>weight<TAB>lang",
    ]
    lines += [f"# source: {src} ({n} entries)" for src, n in sorted(sources.items())]
    for e in sorted(entries, key=lambda e: (e.lang, -e.weight, e.term)):
        lines.append(f"{e.term}\t{e.label}\t{e.weight:g}\t{e.lang}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def floor_report(entries: list[Entry], floors: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Count entries per TC260 risk through the label mapping; return (report, shortfalls)."""
    per_label = Counter(e.label for e in entries)
    report, short = [], []
    for risk, spec in floors["risks"].items():
        count = sum(per_label[label] for label in spec["labels"])
        ok = count >= spec["floor"]
        report.append(
            f"| {risk} | {'+'.join(spec['labels'])} | {count} | {spec['floor']} |"
            f" {'ok' if ok else 'BELOW'} |"
        )
        if not ok:
            short.append(f"{risk}: {count} < {spec['floor']}")
    return report, short


def main(argv: list[str] | None = None) -> int:
    """Build the library; print a per-label/lang summary and the TC260 floor table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="validate and report only; write nothing"
    )
    args = parser.parse_args(argv)
    try:
        import opencc  # optional at build time: only used to refuse traditional-form seeds

        t2s: Any = opencc.OpenCC("t2s")
    except ImportError:
        t2s = None
    try:
        labels = set(load_yaml(LABELS_FILE)["labels"])
        build = load_yaml(SEEDS / "_build.yaml")
        shared = load_yaml(SEEDS / "_slots.yaml")["slots"]
        safe = load_yaml(SEEDS / "_safe.yaml")
        floors = load_yaml(HERE / "floors.yaml")
        entries: list[Entry] = []
        for path in sorted(SEEDS.glob("*.yaml")):
            if not path.name.startswith("_"):
                entries += read_seed(path, shared, labels, t2s)
        entries = fold(entries)
        bad = safe_violations(entries, safe["sentences"], float(safe["block_floor"]))
        if bad:
            raise SeedError("entries would block safe sentences:\n  " + "\n  ".join(bad))
    except SeedError as exc:
        print(f"build_keywords: {exc}", file=sys.stderr)
        return 1

    by_label: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_label[entry.label].append(entry)
    report, short = floor_report(entries, floors)
    total_floor = int(floors["total_floor"])
    below = short or len(entries) < total_floor
    if not args.check and not below:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        for stale in OUT_DIR.glob("*.tsv"):
            stale.unlink()
        for label in sorted(by_label):
            write_tsv(label, by_label[label], str(build["updated"]))

    langs = Counter(e.lang for e in entries)
    print("| label | zh | en | any | total | weight>=0.8 |")
    print("|---|---|---|---|---|---|")
    for label in sorted(by_label):
        c = Counter(e.lang for e in by_label[label])
        high = sum(e.weight >= 0.8 for e in by_label[label])
        print(f"| {label} | {c['zh']} | {c['en']} | {c['any']} | {len(by_label[label])} | {high} |")
    print(
        f"| **all** | {langs['zh']} | {langs['en']} | {langs['any']} | {len(entries)} |"
        f" {sum(e.weight >= 0.8 for e in entries)} |"
    )
    print("\n| risk | labels | entries | floor | |\n|---|---|---|---|---|")
    print("\n".join(report))
    if below:
        print(
            f"build_keywords: below floor, nothing written: {short or len(entries)}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
