"""Keyword normalisation, loading and detection, on a small library written by the tests."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hegui.detect import Detector, Role
from hegui.detect.keywords import KeywordDetector, KeywordLibrary, normalize
from hegui.detect.keywords._normalize import normalize_terms, pieces
from hegui.errors import HeguiError

CASES: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "keyword_cases.yaml").read_text(encoding="utf-8")
)


def write_tsv(path: Path, rows: list[list[Any]], header: str = "") -> Path:
    lines = [header] if header else []
    lines += ["\t".join(str(column) for column in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> KeywordLibrary:
    folder = tmp_path_factory.mktemp("keywords")
    write_tsv(folder / "cases.tsv", CASES["keywords"], header="# updated: 2026-11-20")
    return KeywordLibrary.load([folder])


@pytest.fixture(scope="module")
def detector(library: KeywordLibrary) -> KeywordDetector:
    return KeywordDetector(library)


@pytest.mark.parametrize(
    "case", CASES["match"], ids=[repr(case["text"]) for case in CASES["match"]]
)
def test_match_cases(detector: KeywordDetector, case: dict[str, Any]) -> None:
    result = detector.detect(case["text"], Role.PROMPT)
    assert {span.text for span in result.spans} == set(case["hits"])
    for span in result.spans:
        assert case["text"][span.start : span.end] == span.text


@pytest.mark.parametrize(
    "case", CASES["normalize"], ids=[repr(case["text"]) for case in CASES["normalize"]]
)
def test_normalize_cases(case: dict[str, str]) -> None:
    assert normalize(case["text"]).text == case["normalized"]


def test_offsets_point_at_the_original_characters() -> None:
    normalised = normalize("Ｂ-o\u200bM b")
    assert normalised.text == "bomb"
    assert normalised.offsets.tolist() == [0, 2, 4, 6]
    assert normalised.original_span(1, 3) == (2, 5)


# -- property: every span found is a keyword in disguise, and disguises are found ----------

KEYWORD_TERMS = [row[0] for row in CASES["keywords"]]
NORMALISED_TERMS = {normalize(term).text for term in KEYWORD_TERMS}
CHINESE_TERMS = [term for term in KEYWORD_TERMS if all("\u4e00" <= c <= "\u9fff" for c in term)]
NOISE = st.text(
    alphabet=st.sampled_from(list("我的是在人有 .-_*·|/，。！？\u200b\u3000abkilmosc0123")),
    max_size=12,
)
SEPARATOR = st.text(alphabet=st.sampled_from(list(" .-_*·|/，\u200b\u00ad\u3000")), max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(NOISE, st.sampled_from(KEYWORD_TERMS)), max_size=6))
def test_every_span_normalises_to_a_keyword(detector: KeywordDetector, parts: list[str]) -> None:
    text = "".join(parts)
    for span in detector.detect(text, Role.PROMPT).spans:
        assert text[span.start : span.end] == span.text
        assert normalize(span.text).text in NORMALISED_TERMS


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(CHINESE_TERMS),
    st.lists(SEPARATOR, min_size=4, max_size=4),
    NOISE,
    NOISE,
)
def test_chinese_keyword_with_separators_is_found(
    detector: KeywordDetector, term: str, separators: list[str], before: str, after: str
) -> None:
    disguised = "".join(c + s for c, s in zip(term, separators, strict=False)).rstrip(
        "".join(separators)
    )
    text = before + disguised + after
    found = {normalize(span.text).text for span in detector.detect(text, Role.PROMPT).spans}
    assert normalize(term).text in found


# -- loading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("炸药\tviolence\t1.5\tzh", "weight 1.5 is outside (0, 1]"),
        ("炸药\tviolence\t0\tzh", "outside (0, 1]"),
        ("炸药\tviolence\tstrong\tzh", "is not a number"),
        ("炸药\tweapons\t0.9\tzh", "unknown label 'weapons'"),
        ("炸药\tviolence\t0.9", "found 3"),
        ("炸药\tviolence\t0.9\tzh\textra", "found 5"),
        ("炸药 violence 0.9 zh", "found 1"),
        ("炸药\tviolence\t0.9\tfr", "lang 'fr'"),
        ("...\tviolence\t0.9\tany", "empty after normalisation"),
        ("# updated: last week", "bad date"),
    ],
)
def test_bad_line_is_rejected_naming_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(f"# a comment\n\n冰毒\tdrugs\t0.9\tzh\n{line}\n", encoding="utf-8")
    with pytest.raises(HeguiError) as caught:
        KeywordLibrary.load([path])
    assert caught.value.where == f"{path}:4"
    assert message in caught.value.en
    assert caught.value.zh


def test_missing_path_and_bad_encoding_are_reported(tmp_path: Path) -> None:
    with pytest.raises(HeguiError, match="not found"):
        KeywordLibrary.load([tmp_path / "missing.tsv"])
    bad = tmp_path / "latin1.tsv"
    bad.write_bytes("café\tviolence\t0.5\ten\n".encode("latin-1"))
    with pytest.raises(HeguiError, match="not valid UTF-8"):
        KeywordLibrary.load([bad])


def test_duplicates_keep_the_highest_weight_per_label(tmp_path: Path) -> None:
    path = write_tsv(
        tmp_path / "dupes.tsv",
        [
            ["炸藥", "violence", 0.5, "zh"],
            ["炸 药", "violence", 0.9, "zh"],
            ["炸药", "terrorism", 0.7, "zh"],
            ["BOMB", "violence", 0.4, "en"],
            ["bomb", "violence", 0.6, "en"],
        ],
    )
    library = KeywordLibrary.load([path])
    assert len(library) == 3
    assert library.label_counts() == {"violence": 2, "terrorism": 1}
    assert library.lang_counts() == {"zh": 2, "en": 1}
    result = KeywordDetector(library).detect("炸药和bomb", Role.PROMPT)
    assert result.scores == {"violence": 0.9, "terrorism": 0.7}


def test_extra_files_add_to_the_base_and_dates_come_from_headers(tmp_path: Path) -> None:
    base = write_tsv(tmp_path / "base.tsv", [["冰毒", "drugs", 0.9, "zh"]], "# updated: 2026-11-01")
    operator = tmp_path / "operator"
    operator.mkdir()
    write_tsv(operator / "ours.tsv", [["内部代号", "A3.3", 0.8, "zh"]], "# Updated: 2026-11-18")
    (operator / "notes.txt").write_text("not a keyword file", encoding="utf-8")
    library = KeywordLibrary.load([base], extra=[operator])
    assert len(library) == 2
    assert library.updated == dt.date(2026, 11, 18)
    assert library.age_days(dt.date(2026, 11, 22)) == 4
    hit = KeywordDetector(library).detect("这是内部代号", Role.ANSWER)
    assert hit.scores == {"A3.3": 0.8}


def test_file_without_date_header_is_dated_by_modification_time(tmp_path: Path) -> None:
    path = write_tsv(tmp_path / "undated.tsv", [["冰毒", "drugs", 0.9, "zh"]])
    stamp = dt.datetime(2026, 1, 2, 12, 0).timestamp()
    os.utime(path, (stamp, stamp))
    assert KeywordLibrary.load([path]).updated == dt.date(2026, 1, 2)


# -- the detector ---------------------------------------------------------------------------


def test_detector_reports_scores_and_original_spans(detector: KeywordDetector) -> None:
    assert isinstance(detector, Detector)
    assert detector.name == "keywords"
    text = "Ｂ-Ｏ-Ｍ-Ｂ 和 炸藥配方"
    result = detector.detect(text, Role.PROMPT)
    assert result.detector == "keywords"
    assert result.scores == {"violence": 0.95}
    spans = sorted((s.start, s.end, s.text, s.label, s.score) for s in result.spans)
    assert spans == [
        (0, 7, "Ｂ-Ｏ-Ｍ-Ｂ", "violence", 0.5),
        (10, 12, "炸藥", "violence", 0.9),
        (10, 14, "炸藥配方", "violence", 0.95),
    ]
    assert all(s.detector == "keywords" for s in result.spans)
    assert result.latency_ms > 0


def test_empty_and_clean_texts_score_nothing(detector: KeywordDetector) -> None:
    assert detector.detect("", Role.PROMPT).scores == {}
    clean = detector.detect("今天天气很好，我们去公园散步吧。", Role.ANSWER)
    assert clean.scores == {}
    assert clean.spans == ()


def test_empty_library_matches_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.tsv"
    path.write_text("# nothing yet\n", encoding="utf-8")
    library = KeywordLibrary.load([path])
    assert len(library) == 0
    assert KeywordDetector(library).detect("炸药", Role.PROMPT).scores == {}


def test_one_megabyte_text_is_fast_and_spans_are_exact(detector: KeywordDetector) -> None:
    unit = "今天讨论化学实验室的安全规范，不涉及任何危险内容。" * 20
    text = (unit + "炸 药") * (1_000_000 // (len(unit) + 3))
    began = time.perf_counter()
    result = detector.detect(text, Role.PROMPT)
    elapsed = time.perf_counter() - began
    assert elapsed < 2.0
    assert len(result.spans) == text.count("炸 药")
    assert all(text[s.start : s.end] == "炸 药" for s in result.spans)


def test_lone_surrogates_and_astral_characters_keep_offsets(detector: KeywordDetector) -> None:
    text = "\ud800😀炸\U000e0041药"
    result = detector.detect(text, Role.PROMPT)
    assert [(s.start, s.end, s.text) for s in result.spans] == [(2, 5, "炸\U000e0041药")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab 炸药.-\u200b0１Ａ")), max_size=6)))
def test_batch_term_normalisation_equals_one_by_one(terms: list[str]) -> None:
    one_by_one = []
    for term in terms:
        normalised = normalize(term)
        text = normalised.text
        one_by_one.append(pieces(normalised, 0, len(text)) if text else ())
    assert normalize_terms(terms) == one_by_one
