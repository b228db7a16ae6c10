"""Latency per tier on one core for 200-character texts, and resident memory of the default policy.

Writes bench/results/latency_memory.{json,md}. Texts are the first detection set's prompts
(training/data/*heldout1_*: unsafe prompts and safe look-alikes), cut or padded (by joining
prompts of the same language) to 200 characters.
The baseline measured in the same run is Python's own ``str.casefold`` over the same texts
(the cost of touching the text once), and the memory baseline is the interpreter with hegui
imported but no detector loaded.
"""

from __future__ import annotations

import gc
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import TRAINING_DATA, median, percentile, pin_one_core, read_jsonl, write_results

RUNS = 5
TEXT_CHARS = 200


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def texts_of(lang: str, n: int) -> list[str]:
    rows = [
        r["text"]
        for name in (f"safe_hard_heldout1_{lang}.jsonl", f"unsafe_heldout1_{lang}.jsonl")
        for r in read_jsonl(TRAINING_DATA / name)
    ]
    out: list[str] = []
    i = 0
    while len(out) < n:
        text = ""
        while len(text) < TEXT_CHARS:
            text += rows[i % len(rows)] + (" " if lang == "en" else "")
            i += 1
        out.append(text[:TEXT_CHARS])
    return out


def e5_tokens(text: str) -> int:
    """Tokens the e5 model feeds for ``text`` (its cost is about linear in them)."""
    from hegui.detect.classifier._embedding import _model

    return int(_model().token_count(text, True))


def timed(fn: Callable[[str], object], texts: list[str]) -> dict[str, float]:
    """Median over RUNS of the per-text p50 and p99, in milliseconds."""
    p50s, p99s = [], []
    for _ in range(RUNS):
        samples = []
        for text in texts:
            start = time.perf_counter()
            fn(text)
            samples.append((time.perf_counter() - start) * 1000)
        p50s.append(percentile(samples, 0.5))
        p99s.append(percentile(samples, 0.99))
    return {"p50_ms": round(median(p50s), 4), "p99_ms": round(median(p99s), 4)}


def main() -> None:
    pin_one_core()
    import hegui.detect  # noqa: F401  (memory baseline: the package imported, nothing loaded)

    gc.collect()
    baseline_rss = rss_mb()
    from hegui.detect import Role, build_cascade

    cascade = build_cascade()
    tiers = {t.detector.name: t.detector for t in cascade.tiers}
    # load lazily-loaded models before measuring memory and latency
    for detector in tiers.values():
        detector.detect("预热 warm-up", Role.PROMPT)
    gc.collect()
    loaded_rss = rss_mb()

    results: dict[str, Any] = {"text_chars": TEXT_CHARS, "runs": RUNS, "tiers": {}}
    for lang, n_fast, n_slow in (("zh", 400, 60), ("en", 400, 60)):
        fast, slow = texts_of(lang, n_fast), texts_of(lang, n_slow)
        per: dict[str, Any] = {
            "baseline_casefold": timed(str.casefold, fast),
            "keywords": timed(lambda t: tiers["keywords"].detect(t, Role.PROMPT), fast),
            "pii": timed(lambda t: tiers["pii"].detect(t, Role.PROMPT), fast),
            "ngram": timed(lambda t: tiers["ngram"].detect(t, Role.PROMPT), fast),
            "e5": timed(lambda t: tiers["e5"].detect(t, Role.PROMPT), slow),
            "cascade": timed(lambda t: cascade.check(t, Role.PROMPT), fast),
            "n_texts": {"fast_tiers": n_fast, "e5": n_slow},
        }
        per["e5_tokens_mean"] = round(sum(e5_tokens(t) for t in slow) / len(slow), 1)
        per["e5_ms_per_token"] = round(per["e5"]["p50_ms"] / per["e5_tokens_mean"], 3)
        per["keyword_tier"] = {
            "p50_ms": round(per["keywords"]["p50_ms"] + per["pii"]["p50_ms"], 4),
            "note": "keywords + PII, the cheap tier",
        }
        escalated = sum("e5" in cascade.check(t).latency_ms for t in fast)
        per["cascade_e5_share"] = round(escalated / len(fast), 4)
        results["tiers"][lang] = per
    results["memory"] = {
        "baseline_rss_mb": round(baseline_rss, 1),
        "default_policy_loaded_rss_mb": round(loaded_rss, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }

    lines = [
        "# Latency (one core) and memory",
        "",
        f"Texts of {TEXT_CHARS} characters built from training/data/safe_hard_heldout1_* and "
        f"unsafe_heldout1_*; medians over {RUNS} runs of p50/p99.",
        "",
        "| lang | tier | p50 ms | p99 ms |",
        "|---|---|---|---|",
    ]
    for lang, per in results["tiers"].items():
        for name in ("baseline_casefold", "keywords", "pii", "ngram", "e5", "cascade"):
            lines.append(f"| {lang} | {name} | {per[name]['p50_ms']} | {per[name]['p99_ms']} |")
        lines.append(
            f"| {lang} | share of texts the cascade sent to e5 | {per['cascade_e5_share']} | |"
        )
        lines.append(
            f"| {lang} | e5 tokens per text (mean) / ms per token | {per['e5_tokens_mean']} "
            f"| {per['e5_ms_per_token']} |"
        )
    mem = results["memory"]
    lines += [
        "",
        f"Resident memory: {mem['baseline_rss_mb']} MB with hegui imported (baseline), "
        f"{mem['default_policy_loaded_rss_mb']} MB with the default policy and every detector "
        f"loaded, peak {mem['peak_rss_mb']} MB.",
        "",
    ]
    write_results("latency_memory", results, "\n".join(lines))


if __name__ == "__main__":
    main()
