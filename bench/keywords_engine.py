"""Choose the keyword matching engine by measurement, and measure the full keyword detector.

Haystack: Chinese texts read at bench time from ../shared/datasets (COLD train, Flames, JADE v3
questions and answers; never copied into the repository), concatenated to ``HAYSTACK_MB`` of
UTF-8. Keywords: ``N_KEYWORDS`` distinct Chinese strings, half 4–8-character substrings sampled
from a *different* part of the corpus (so some hit, as real keywords do) and half random
3–5-character combinations of common characters (mostly misses).

Engines, each in its own subprocess so build memory is measured cleanly (RSS growth):
``ahocorasick_rs`` (Rust; DFA, contiguous and non-contiguous NFA), ``pyahocorasick`` (C),
``flashtext`` (pure Python). All count overlapping matches except flashtext, which only does
leftmost-longest non-overlapping matching. Throughput is the median of ``RUNS`` runs,
MB = 10^6 UTF-8 bytes.
The baseline in the same run is ``str.count`` of one keyword over the haystack (one pass of
C code over the text). The full detector (normalise + match + map spans) is measured on the
same haystack and keywords, and on 200-character texts (p50/p99 latency).

Writes bench/results/keywords_engine.{json,md}. Run: ``.venv/bin/python bench/keywords_engine.py``.
"""

from __future__ import annotations

import csv
import gc
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import DATASETS, median, percentile, pin_one_core, read_jsonl, write_results

RUNS = 5
HAYSTACK_MB = 3.0
N_KEYWORDS = 20_000
SEED = 20261122
ENGINES = (
    "ahocorasick_rs_dfa",
    "ahocorasick_rs_contiguous_nfa",
    "ahocorasick_rs_noncontiguous_nfa",
    "pyahocorasick",
    "flashtext",
)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def chinese_texts() -> list[str]:
    """Chinese sentences from the shared data sets (read in place)."""
    texts: list[str] = []
    csv.field_size_limit(10**7)
    with (DATASETS / "cold" / "COLDataset_train.csv").open(encoding="utf-8-sig") as handle:
        texts += [row["TEXT"] for row in csv.DictReader(handle)]
    texts += [row["prompt"] for row in read_jsonl(DATASETS / "flames" / "Flames_1k_Chinese.jsonl")]
    for name in ("hard", "medium"):
        path = DATASETS / "jade_db" / f"jade-db-v3.0_jade_alignment_{name}_zh.csv"
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts += [row["问题"], row["违规回答"], row["安全有用回答"]]
    return [text for text in texts if text]


def build_inputs() -> tuple[str, list[str]]:
    rng = random.Random(SEED)
    texts = chinese_texts()
    rng.shuffle(texts)
    half = len(texts) // 2
    source, pool = texts[:half], texts[half:]
    haystack_parts: list[str] = []
    size = 0
    target = int(HAYSTACK_MB * 1_000_000)
    while size < target:
        text = source[len(haystack_parts) % len(source)]
        haystack_parts.append(text)
        size += len(text.encode("utf-8")) + 1
    haystack = "\n".join(haystack_parts)
    common = sorted({c for text in pool[:2000] for c in text if "\u4e00" <= c <= "\u9fff"})
    keywords: set[str] = set()
    while len(keywords) < N_KEYWORDS // 2:
        text = rng.choice(pool)
        length = rng.randint(4, 8)
        if len(text) > length:
            start = rng.randrange(len(text) - length)
            piece = text[start : start + length]
            if all("\u4e00" <= c <= "\u9fff" for c in piece):
                keywords.add(piece)
    while len(keywords) < N_KEYWORDS:
        keywords.add("".join(rng.choices(common, k=rng.randint(3, 5))))
    return haystack, sorted(keywords)


def engine(name: str, keywords: list[str]) -> tuple[Callable[[str], int], float]:
    """A function counting matches in a haystack, and its build time in seconds."""
    began = time.perf_counter()
    count: Callable[[str], int]
    if name.startswith("ahocorasick_rs"):
        import ahocorasick_rs

        implementation = {
            "ahocorasick_rs_dfa": ahocorasick_rs.Implementation.DFA,
            "ahocorasick_rs_contiguous_nfa": ahocorasick_rs.Implementation.ContiguousNFA,
            "ahocorasick_rs_noncontiguous_nfa": ahocorasick_rs.Implementation.NoncontiguousNFA,
        }[name]
        rs = ahocorasick_rs.AhoCorasick(keywords, implementation=implementation)

        def count(text: str) -> int:
            return len(rs.find_matches_as_indexes(text, overlapping=True))

    elif name == "pyahocorasick":
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for index, keyword in enumerate(keywords):
            automaton.add_word(keyword, index)
        automaton.make_automaton()

        def count(text: str) -> int:
            return sum(1 for _ in automaton.iter(text))

    elif name == "flashtext":
        from flashtext import KeywordProcessor

        processor = KeywordProcessor()
        for keyword in keywords:
            processor.add_keyword(keyword)

        def count(text: str) -> int:
            return len(processor.extract_keywords(text, span_info=True))

    else:
        raise ValueError(name)
    return count, time.perf_counter() - began


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    began = time.perf_counter()
    value = function()
    return time.perf_counter() - began, value


def measure_engine(name: str, haystack: str, keywords: list[str]) -> dict[str, Any]:
    before = rss_mb()
    count, build_s = engine(name, keywords)
    build_mb = rss_mb() - before
    megabytes = len(haystack.encode("utf-8")) / 1e6
    runs = [timed(lambda: count(haystack)) for _ in range(RUNS)]
    seconds = median([t for t, _ in runs])
    return {
        "engine": name,
        "build_s": round(build_s, 3),
        "build_rss_mb": round(build_mb, 1),
        "median_s": round(seconds, 4),
        "mb_per_s": round(megabytes / seconds, 1),
        "matches": runs[0][1],
    }


def measure_detector(haystack: str, keywords: list[str]) -> dict[str, Any]:
    from hegui.detect import Role
    from hegui.detect.keywords import KeywordDetector, KeywordLibrary, normalize

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.tsv"
        path.write_text("".join(f"{k}\tviolence\t0.5\tzh\n" for k in keywords), encoding="utf-8")
        before = rss_mb()
        began = time.perf_counter()
        library = KeywordLibrary.load([path])
        detector = KeywordDetector(library)
        build_s = time.perf_counter() - began
        build_mb = rss_mb() - before
    megabytes = len(haystack.encode("utf-8")) / 1e6
    full = [timed(lambda: detector.detect(haystack, Role.PROMPT)) for _ in range(RUNS)]
    norm = [timed(lambda: normalize(haystack)) for _ in range(RUNS)]
    short = [haystack[i : i + 200] for i in range(0, 200 * 2000, 200)]
    latencies = []
    for text in short:
        began = time.perf_counter()
        detector.detect(text, Role.PROMPT)
        latencies.append((time.perf_counter() - began) * 1000)
    return {
        "engine": "hegui KeywordDetector (normalise + match + spans)",
        "build_s": round(build_s, 3),
        "build_rss_mb": round(build_mb, 1),
        "median_s": round(median([t for t, _ in full]), 4),
        "mb_per_s": round(megabytes / median([t for t, _ in full]), 1),
        "spans": len(full[0][1].spans),
        "normalise_only_mb_per_s": round(megabytes / median([t for t, _ in norm]), 1),
        "latency_200_chars_ms": {
            "n": len(latencies),
            "p50": round(percentile(latencies, 0.5), 4),
            "p99": round(percentile(latencies, 0.99), 4),
        },
    }


def child(name: str, inputs: Path) -> None:
    pin_one_core()
    data = json.loads(inputs.read_text(encoding="utf-8"))
    haystack, keywords = data["haystack"], data["keywords"]
    if name == "detector":
        result = measure_detector(haystack, keywords)
    elif name == "baseline":
        megabytes = len(haystack.encode("utf-8")) / 1e6
        runs = [timed(lambda: haystack.count(keywords[0])) for _ in range(RUNS)]
        result = {
            "engine": "baseline: str.count of one keyword",
            "median_s": round(median([t for t, _ in runs]), 4),
            "mb_per_s": round(megabytes / median([t for t, _ in runs]), 1),
        }
    else:
        result = measure_engine(name, haystack, keywords)
    print(json.dumps(result))


def main() -> None:
    haystack, keywords = build_inputs()
    with tempfile.TemporaryDirectory() as folder:
        inputs = Path(folder) / "inputs.json"
        inputs.write_text(json.dumps({"haystack": haystack, "keywords": keywords}), "utf-8")
        results = []
        for name in ("baseline", *ENGINES, "detector"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", name, str(inputs)],
                check=True,
                capture_output=True,
                text=True,
            )
            results.append(json.loads(out.stdout))
            print(results[-1], file=sys.stderr)
    megabytes = len(haystack.encode("utf-8")) / 1e6
    payload = {
        "haystack": {
            "mb_utf8": round(megabytes, 2),
            "chars": len(haystack),
            "source": "COLD train + Flames + JADE v3 (zh), ../shared/datasets",
        },
        "keywords": len(keywords),
        "runs": RUNS,
        "results": results,
    }
    lines = [
        "# Keyword matching engines on Chinese text",
        "",
        f"Haystack {megabytes:.2f} MB UTF-8 ({len(haystack):,} chars) of Chinese text from "
        f"COLD/Flames/JADE; {len(keywords):,} Chinese keywords; median of {RUNS} runs, one core.",
        "",
        "| engine | MB/s | median s | build s | build RSS MB | matches / spans |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        found = r.get("matches", r.get("spans", ""))
        lines.append(
            f"| {r['engine']} | {r['mb_per_s']} | {r['median_s']} | {r.get('build_s', '')} "
            f"| {r.get('build_rss_mb', '')} | {found} |"
        )
    detector = results[-1]
    lines += [
        "",
        f"Full detector: normalisation alone {detector['normalise_only_mb_per_s']} MB/s; "
        f"200-character texts p50 {detector['latency_200_chars_ms']['p50']} ms, "
        f"p99 {detector['latency_200_chars_ms']['p99']} ms "
        f"(n = {detector['latency_200_chars_ms']['n']}).",
        "",
        "flashtext counts leftmost-longest non-overlapping matches (it has no overlapping mode),"
        " so its count is lower.",
        "",
    ]
    write_results("keywords_engine", payload, "\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
