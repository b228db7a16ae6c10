"""PII detector: the cases in test_pii_cases.jsonl, offsets, redaction, detector contract."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from hegui.detect import Detector, Role
from hegui.detect.pii import PiiDetector, find_pii, redact

CASES = [
    json.loads(line)
    for line in (Path(__file__).with_name("test_pii_cases.jsonl")).read_text("utf-8").splitlines()
    if line.strip()
]


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    findings = find_pii(case["text"])
    assert [[f.kind.value, f.value] for f in findings] == case["found"]
    for finding in findings:
        assert case["text"][finding.start : finding.end] == finding.value


def test_case_file_has_enough_negatives() -> None:
    assert len(CASES) >= 30
    assert sum(1 for c in CASES if not c["found"]) >= 12


def test_redact_replaces_each_finding_with_its_kind() -> None:
    text = "张三 110101199003074573 / 13912345678 / zs@example.com / 6259658712345677 完"
    assert redact(text) == "张三 [ID] / [PHONE] / [EMAIL] / [CARD] 完"
    assert redact("nothing here 2024-01-15") == "nothing here 2024-01-15"


def test_detector_reports_spans_in_original_offsets() -> None:
    text = "Ｈｉ，请拨13812345678或发邮件至li@example.cn"
    result = PiiDetector().detect(text, Role.PROMPT)
    assert isinstance(PiiDetector(), Detector)
    assert result.detector == "pii" and result.error is None
    assert result.scores == {"pii": 0.6}
    assert [(text[s.start : s.end], s.label, s.score) for s in result.spans] == [
        ("13812345678", "pii", 0.6),
        ("li@example.cn", "pii", 0.6),
    ]
    assert all(s.text == text[s.start : s.end] for s in result.spans)


def test_detector_score_is_a_setting_and_clean_text_scores_nothing() -> None:
    assert PiiDetector(score=0.9).detect("call 13812345678", Role.ANSWER).scores == {"pii": 0.9}
    clean = PiiDetector().detect("怎么杀死卡住的进程？", Role.PROMPT)
    assert clean.scores == {} and clean.spans == ()
    with pytest.raises(ValueError):
        PiiDetector(score=1.5)


def test_long_text_keeps_every_finding_in_order() -> None:
    unit = "电话13812345678，邮箱a1@example.com，订单 2024-01-15。"
    text = unit * 2000
    findings = find_pii(text)
    assert [f.kind.value for f in findings] == ["PHONE", "EMAIL"] * 2000
    assert all(a.end <= b.start for a, b in pairwise(findings))


def test_batch_pre_check_agrees_with_the_pattern_on_every_code_point() -> None:
    # the batch pre-check (corpus scans) must skip exactly the texts the finders cannot match
    from hegui.detect.pii._finders import may_contain_pii_many

    needed = re.compile(r"[\d@]")  # what every finder's pattern needs somewhere in the text
    every = [chr(code) for code in range(0x110000)]
    assert may_contain_pii_many(every) == [needed.search(c) is not None for c in every]
    phone = "电话１３８００１３８０００"  # full-width digits
    texts = ["", "没有数字的一句话", phone, "mail: a@b.cn", "٣ apples", "x" * 500]
    assert may_contain_pii_many(texts) == [False, False, True, True, True, False]
    detector = PiiDetector()
    batch = detector.detect_many(texts, Role.PROMPT)
    assert [r.spans for r in batch] == [detector.detect(t, Role.PROMPT).spans for t in texts]
