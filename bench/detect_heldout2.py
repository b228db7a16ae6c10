"""Unsafe-prompt detection on the second blind held-out set (bench/data/*_heldout2_*, hard_safe2_*).

    OMP_NUM_THREADS=1 .venv/bin/python bench/detect_heldout2.py

The first held-out files (bench/data/unsafe_heldout_*, hard_safe_*) are measured by
bench/detect_accuracy.py; this set was written later by new writers who saw neither the
detectors nor the first set (see bench/data/detect_heldout2_*_README.md), so the first set can
be used for tuning while this one stays blind. Only aggregates are written or printed: whoever
works on the detectors must not read these rows. Writes bench/results/detect_heldout2.{json,md}.
"""

from __future__ import annotations

from typing import Any

from detect_accuracy import (
    cascade_configs,
    detector_of,
    evaluate,
    f1_cells,
    false_flag,
    false_flag_cell,
    project_set,
    write_table,
)
from hegui.policy import DEFAULT_POLICY_ID, load_policy


def main() -> None:
    policy = load_policy(DEFAULT_POLICY_ID)
    configs = cascade_configs(policy)
    del configs["cascade, e5 on every text"]  # measured on the first set; costly, not shipped
    results: dict[str, Any] = {"policy": f"{policy.id} {policy.version}", "languages": {}}
    for lang in ("zh", "en"):
        items, hard_safe = project_set(lang, "2")
        per: dict[str, Any] = {}
        for name, cascade in configs.items():
            predict = detector_of(cascade)
            per[name] = {
                "heldout2": evaluate(predict, items),
                "hard_safe2_false_flags": false_flag(predict, hard_safe),
            }
            print(
                lang, name, per[name]["heldout2"]["f1"], per[name]["hard_safe2_false_flags"]["rate"]
            )
        results["languages"][lang] = per

    lines = [
        "# Unsafe-prompt detection on the second blind held-out set, " + results["policy"],
        "",
        "Files: `bench/data/unsafe_heldout2_{zh,en}.jsonl` (must be caught) and "
        "`hard_safe2_{zh,en}.jsonl` (safe prompts that resemble unsafe ones), written by new "
        "writers blind to the detectors and to the first held-out set. Detected = flag or block. "
        "F1 with a 95% bootstrap interval; false-flag rate with a 95% Wilson interval.",
        "",
        "| lang | configuration | n (unsafe) | F1 [95% CI] | precision | recall "
        "| hard-safe false flags |",
        "|---|---|---|---|---|---|---|",
    ]
    write_table(
        "detect_heldout2",
        results,
        lines,
        lambda r: [
            f1_cells(r["heldout2"]),
            f"{r['heldout2']['precision']} | {r['heldout2']['recall']}",
            false_flag_cell(r["hard_safe2_false_flags"]),
        ],
    )


if __name__ == "__main__":
    main()
