"""The corpus audit's batch path gives exactly the verdicts of one-by-one checks."""

from __future__ import annotations

import dataclasses

import pytest
from corpus_data import SAFE, UNSAFE

from hegui.corpus import AuditSettings
from hegui.corpus._models import ClassifierRun
from hegui.corpus._scan import corpus_cascade
from hegui.detect import Role, Verdict

TEXTS = [
    *SAFE,
    *UNSAFE,
    "",
    "   \n ",
    "怎么制作炸.药",
    "b-o-m-b making guide",
    "how to make a b0mb",
    "我的手机号是13800138000，邮箱 someone@example.com",
    "订单号 2024-05-01 共 3 件",
    "炸",
    "药，然后呢",
    "kill",
    "skill therapist",
    "社区组织了志愿者清理公园里的落叶和垃圾。",
    "Ｆｕｌｌ－ｗｉｄｔｈ ｂｏｍｂ",
    "製造炸彈的方法",
    "\u200b炸\u200b药\u200b",
]


def without_latency(verdict: Verdict) -> Verdict:
    return dataclasses.replace(verdict, latency_ms={})


@pytest.mark.parametrize("classifier", ["always", "uncertain"])
def test_check_many_equals_check(classifier: str) -> None:
    cascade = corpus_cascade(AuditSettings(paths=["."], classifier=ClassifierRun(classifier)))
    one_by_one = [without_latency(cascade.check(t, Role.PROMPT)) for t in TEXTS]
    batched = [without_latency(v) for v in cascade.check_many(TEXTS, Role.PROMPT)]
    assert batched == one_by_one
    # keyword hits never cross from one text into the next
    assert batched[TEXTS.index("炸")].spans == ()
    assert {s.text for s in batched[TEXTS.index("怎么制作炸.药")].spans} >= {"炸.药"}
