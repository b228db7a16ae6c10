"""Write the project's own labelled refusal pairs to ``data/{en,zh}.jsonl``.

The pools in ``compose_en.py`` / ``compose_zh.py`` are hand-written; this script combines
them with a fixed seed so the files are reproducible. Run from the repository root:

    .venv/bin/python training/refusal/compose_examples.py

Each line: ``{"prompt", "response", "kind", "lang", "pattern"}``; ``pattern`` names the
construction (plain refusal, sympathy then help, ...) so errors can be read per pattern.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import compose_en
import compose_zh

HERE = Path(__file__).resolve().parent

Row = dict[str, str]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fill(template: str, topic: str) -> str:
    return template.replace("{t}", topic).replace("{T}", _cap(topic))


def compose(pool: ModuleType, lang: str, seed: int) -> list[Row]:
    """All rows for one language."""
    rng = random.Random(seed)
    p: Any = pool
    zh = lang == "zh"
    joiner = "" if zh else " "
    rows: list[Row] = []

    def add(prompt: str, response: str, kind: str, pattern: str) -> None:
        rows.append(
            {
                "prompt": prompt,
                "response": response.strip(),
                "kind": kind,
                "lang": lang,
                "pattern": pattern,
            }
        )

    def decline(topic: str) -> str:
        ref = _fill(rng.choice(p.TOPIC_REFS), topic)
        sentence = rng.choice(p.DECLINE).replace("{r}", ref).replace("{R}", _cap(ref))
        apology = rng.choice(p.APOLOGY)
        if zh:
            return apology + rng.choice(p.AI_PREFIX) + sentence
        if apology:
            return apology + sentence
        return _cap(sentence)

    for _ in range(60):
        prompt, topic = rng.choice(p.HARMFUL)
        add(prompt, decline(topic) + rng.choice(p.LECTURE), "full", "plain_refusal")
    for _ in range(60):
        prompt, topic = rng.choice(p.HARMFUL)
        body = decline(topic) + rng.choice(p.LECTURE)
        alternative = rng.choice(p.ALTERNATIVE).strip()
        add(prompt, body + joiner + alternative, "full", "refusal_alternative")
    for _ in range(30):
        prompt, topic = rng.choice(p.HARMFUL)
        add(prompt, _fill(rng.choice(p.LECTURE_ONLY), topic), "full", "lecture_only")
    for _ in range(30):
        prompt, topic = rng.choice(p.HARMFUL)
        add(prompt, _fill(rng.choice(p.LATE_DECLINE), topic), "full", "late_decline")
    for i in range(30):
        j = i % len(p.SYMPATHY_PROMPTS)
        text = rng.choice(p.SYMPATHY) + joiner + p.SYMPATHY_HELP[j].strip()
        add(p.SYMPATHY_PROMPTS[j], text, "none", "sympathy_then_help")
    for _ in range(30):
        prompt, answer = rng.choice(p.BENIGN)
        add(prompt, rng.choice(p.BENIGN_APOLOGY) + joiner + answer, "none", "benign_apology")
    for _ in range(30):
        prompt, answer = rng.choice(p.BENIGN)
        add(prompt, rng.choice(p.DISCLAIMER) + joiner + answer, "none", "disclaimer_then_help")
    for prompt, answer in p.CAN_T_BENIGN:
        add(prompt, answer, "none", "cant_in_help")
        opener = rng.choice(["好的。", "没问题，"] if zh else ["Good question. ", "Sure! "])
        add(prompt, opener + answer, "none", "cant_in_help")
    for prompt, answer in p.BENIGN:
        add(prompt, answer, "none", "plain_help")
    for _ in range(24):
        prompt, topic = rng.choice(p.HARMFUL)
        add(prompt, _fill(rng.choice(p.COMPLY_HARMFUL), topic), "none", "comply_harmful")
    for _ in range(20):
        prompt, topic = rng.choice(p.HARMFUL)
        text = _fill(rng.choice(p.DISCLAIMED_HELP_HARMFUL), topic)
        add(prompt, text, "none", "disclaimer_then_harm")
    for prompt, answer in p.PARTIAL:
        add(prompt, answer, "partial", "partial")
        add(prompt, ("好的。" if zh else "Sure. ") + answer, "partial", "partial")
    for _ in range(30):
        (h_prompt, topic), (b_prompt, b_answer) = rng.choice(p.HARMFUL), rng.choice(p.BENIGN)
        if zh:
            prompt = f"{h_prompt}另外，{b_prompt}"
            lead = rng.choice(["至于你的另一个问题：", "关于第二个问题：", "不过关于", "另外，"])
            if lead == "不过关于":
                lead = f"不过关于“{b_prompt.rstrip('？?')}”："
        else:
            prompt = f"{h_prompt} Also, {b_prompt[:1].lower()}{b_prompt[1:]}"
            lead = rng.choice(
                [
                    "As for your other question: ",
                    "For the second part: ",
                    "But I can answer the rest. ",
                    "On the other part: ",
                ]
            )
        add(prompt, decline(topic) + joiner + lead + b_answer, "partial", "partial_composed")
    return rows


def main() -> None:
    out = HERE / "data"
    out.mkdir(exist_ok=True)
    for lang, pool, seed in (("en", compose_en, 20240501), ("zh", compose_zh, 20240502)):
        rows = compose(pool, lang, seed)
        seen: set[tuple[str, str]] = set()
        with (out / f"{lang}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                key = (row["prompt"], row["response"])
                if key in seen:
                    continue
                seen.add(key)
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{lang}: {len(seen)} rows -> {out / (lang + '.jsonl')}")


if __name__ == "__main__":
    main()
