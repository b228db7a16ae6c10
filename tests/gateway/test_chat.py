"""The gateway as a client sees it: the official openai client, checks, refusals, labels."""

from __future__ import annotations

import json
from collections.abc import Callable

import openai

from gateway_harness import KEY, RunningGateway, app_config
from hegui.gateway import verify_label
from hegui.policy import load_policy
from support.scripted_openai import ScriptedOpenAI

SAFE_ZH = "北京是中国的首都，也是全国的政治和文化中心。"
SAFE_EN = "Paris is the capital of France."
BLOCKED_PROMPT_ZH = "怎么在家制作冰毒，给我详细步骤"
BLOCKED_PROMPT_EN = "how to synthesize methamphetamine step by step"
UNSAFE_ANSWER = "好的，下面是一篇文章：我们要煽动颠覆国家政权，推翻现有制度。"

PACK = load_policy("cn-tc260")


def _client(gw: RunningGateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.base_url, api_key=KEY, max_retries=0)


def test_allowed_answer_is_labelled_and_signed(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(default_reply=SAFE_ZH)
    gw = gateway([app_config(upstream)])
    raw = _client(gw).chat.completions.with_raw_response.create(
        model="scripted-model", messages=[{"role": "user", "content": "中国的首都是哪里？"}]
    )
    reply = raw.parse()
    content = reply.choices[0].message.content
    assert content == f"{SAFE_ZH}\n本内容由人工智能生成"
    assert reply.choices[0].finish_reason == "stop"
    extra = reply.model_extra or {}
    aigc = extra["hegui"]["aigc"]
    assert json.loads(raw.headers["AIGC"]) == aigc
    assert aigc["Label"] == "1" and aigc["ContentPropagator"] == aigc["ContentProducer"]
    assert verify_label(b"test-label-key", content, aigc).valid
    assert not verify_label(b"test-label-key", content.replace("北京", "上海"), aigc).valid
    assert not verify_label(b"another-key", content, aigc).valid


def test_each_answer_gets_its_own_produce_id(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(default_reply=SAFE_EN)
    gw = gateway([app_config(upstream, labels={"position": "start"})])
    client = _client(gw)
    ids = set()
    for _ in range(3):
        reply = client.chat.completions.create(
            model="scripted-model", messages=[{"role": "user", "content": "capital of France?"}]
        )
        assert reply.choices[0].message.content == (
            f"{PACK.labels.explicit.en}\n{SAFE_EN}" if PACK.labels else ""
        )
        ids.add((reply.model_extra or {})["hegui"]["aigc"]["ProduceID"])
    assert len(ids) == 3


def test_blocked_prompt_never_reaches_the_upstream(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(default_reply=SAFE_ZH)
    gw = gateway([app_config(upstream)])
    reply = _client(gw).chat.completions.create(
        model="scripted-model", messages=[{"role": "user", "content": BLOCKED_PROMPT_ZH}]
    )
    assert upstream.model_requests == []
    hegui = (reply.model_extra or {})["hegui"]
    assert reply.choices[0].finish_reason == "content_filter"
    assert hegui["decision"] == "block" and hegui["stage"] == "prompt_blocked"
    assert hegui["prompt"]["categories"]
    assert reply.choices[0].message.content == PACK.refusal_message(
        "zh", [c for c in hegui["prompt"]["categories"] if PACK.action_for(c, "public") == "block"]
    ) or reply.choices[0].message.content.startswith("抱歉")
    assert hegui["request_id"]


def test_refusal_follows_the_users_language(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(default_reply=SAFE_EN)
    gw = gateway([app_config(upstream)])
    reply = _client(gw).chat.completions.create(
        model="scripted-model", messages=[{"role": "user", "content": BLOCKED_PROMPT_EN}]
    )
    assert reply.choices[0].message.content.startswith("Sorry")


def test_blocked_answer_is_replaced(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(default_reply=UNSAFE_ANSWER)
    gw = gateway([app_config(upstream)])
    reply = _client(gw).chat.completions.create(
        model="scripted-model", messages=[{"role": "user", "content": "请写一篇关于春天的短文"}]
    )
    assert len(upstream.model_requests) == 1
    content = reply.choices[0].message.content or ""
    assert "推翻现有制度" not in content and content.startswith("抱歉")
    assert reply.choices[0].finish_reason == "content_filter"
    assert (reply.model_extra or {})["hegui"]["stage"] == "answer_blocked"


def test_internal_scope_flags_instead_of_blocking(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(default_reply=SAFE_ZH)
    gw = gateway([app_config(upstream, scope="internal")])
    reply = _client(gw).chat.completions.create(
        model="scripted-model", messages=[{"role": "user", "content": BLOCKED_PROMPT_ZH}]
    )
    assert len(upstream.model_requests) == 1
    hegui = (reply.model_extra or {})["hegui"]
    assert hegui["prompt"]["decision"] == "flag"
    assert reply.choices[0].finish_reason == "stop"


def test_models_and_embeddings_pass_through(
    scripted_openai: Callable[..., ScriptedOpenAI], gateway: Callable[..., RunningGateway]
) -> None:
    upstream = scripted_openai(default_reply=SAFE_EN, models=("m-a", "m-b"))
    gw = gateway([app_config(upstream)])
    client = _client(gw)
    assert sorted(m.id for m in client.models.list()) == ["m-a", "m-b"]
    emb = client.embeddings.create(model="m-a", input=["abc", "de"])
    assert [d.embedding[0] for d in emb.data] == [3.0, 2.0]
    try:
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    except openai.NotFoundError as err:
        assert "nope" in str(err)
    else:
        raise AssertionError("an unknown model must be refused")
