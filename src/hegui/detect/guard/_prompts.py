"""Each guard family's moderation prompt, built from the conversation to check.

A guard model only works with the prompt it was trained on, so the wording below follows
each model's published chat template (Llama Guard 3/4 model cards and Hugging Face
templates, the Qwen3Guard-Gen template). The beginning-of-text token is left out of raw
prompts on purpose: OpenAI-compatible servers (vLLM, SGLang, llama.cpp) add it when they
tokenise a completion prompt, and a second one degrades Llama models.
"""

from __future__ import annotations

from dataclasses import dataclass

from hegui.detect._types import Role
from hegui.detect.guard._config import GuardFamily
from hegui.detect.guard._taxonomy import taxonomy


@dataclass(frozen=True, slots=True)
class GuardPrompt:
    """What to send: ``text`` for ``/completions``, ``messages`` for ``/chat/completions``."""

    text: str
    messages: tuple[dict[str, str], ...]


def build_prompt(
    family: GuardFamily, text: str, role: Role, context_prompt: str | None = None
) -> GuardPrompt:
    """The moderation request checking the last turn, ``text``, spoken by ``role``.

    For ``Role.ANSWER`` the user's ``context_prompt`` (when known) precedes the answer in the
    conversation, as the models were trained to judge an answer in its context.
    """
    turns: list[tuple[Role, str]] = []
    if role is Role.ANSWER and context_prompt is not None:
        turns.append((Role.PROMPT, context_prompt))
    turns.append((role, text))
    if family is GuardFamily.QWEN3GUARD:
        raw = _qwen3guard(turns, role)
    else:
        raw = _llama_guard(family, turns, role)
    return GuardPrompt(raw, _messages(turns))


def _messages(turns: list[tuple[Role, str]]) -> tuple[dict[str, str], ...]:
    messages = [
        {"role": "user" if who is Role.PROMPT else "assistant", "content": said}
        for who, said in turns
    ]
    if messages[0]["role"] == "assistant":
        # Chat templates require the conversation to open with a user turn.
        messages.insert(0, {"role": "user", "content": ""})
    return tuple(messages)


_LLAMA_TOKENS = {
    GuardFamily.LLAMA_GUARD_3: (
        "<|start_header_id|>user<|end_header_id|>\n\n",
        "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    ),
    GuardFamily.LLAMA_GUARD_4: (
        "<|header_start|>user<|header_end|>\n\n",
        "<|eot|><|header_start|>assistant<|header_end|>\n\n",
    ),
}
_LLAMA_SPEAKER = {Role.PROMPT: "User", Role.ANSWER: "Agent"}


def _llama_guard(family: GuardFamily, turns: list[tuple[Role, str]], role: Role) -> str:
    opening, closing = _LLAMA_TOKENS[family]
    who = _LLAMA_SPEAKER[role]
    according = "according our" if family is GuardFamily.LLAMA_GUARD_3 else "according to our"
    categories = "\n".join(f"{c.code}: {c.name}." for c in taxonomy(family).for_role(role))
    conversation = "\n\n".join(f"{_LLAMA_SPEAKER[r]}: {said.strip()}" for r, said in turns)
    return (
        f"{opening}"
        f"Task: Check if there is unsafe content in '{who}' messages in conversations "
        f"{according} safety policy with the below categories.\n\n"
        f"<BEGIN UNSAFE CONTENT CATEGORIES>\n{categories}\n<END UNSAFE CONTENT CATEGORIES>\n\n"
        f"<BEGIN CONVERSATION>\n\n{conversation}\n\n<END CONVERSATION>\n\n"
        f"Provide your safety assessment for ONLY THE LAST {who} message in the above "
        "conversation:\n"
        " - First line must read 'safe' or 'unsafe'.\n"
        " - If unsafe, a second line must include a comma-separated list of violated "
        f"categories.{closing}"
    )


_QWEN_SPEAKER = {Role.PROMPT: "USER", Role.ANSWER: "ASSISTANT"}
_QWEN_ASSESSED = {Role.PROMPT: "USER's query", Role.ANSWER: "ASSISTANT's response"}
_QWEN_CONTROVERSIAL = {
    Role.PROMPT: (
        "does not explicitly contain prohibited content, but its intent, context, or potential "
        "responses could be misinterpreted, misused, or exploited to generate unsafe content "
        "under certain conditions."
    ),
    Role.ANSWER: (
        "is not explicitly harmful, but could become risky or offensive depending on context "
        "or audience."
    ),
}


def _qwen3guard(turns: list[tuple[Role, str]], role: Role) -> str:
    assessed = _QWEN_ASSESSED[role]
    tasks = [
        f"1) Evaluate whether THE LAST {assessed} belongs to safe or unsafe content based on "
        "our safety policy.",
        "2) Identify the category of unsafe content found.",
    ]
    answers = [
        " - The first line must be one of: 'Safety: Safe', 'Safety: Unsafe', "
        "'Safety: Controversial'.",
        " - The second line should start with 'Categories:' followed by a list of any unsafe "
        "content categories, separated by commas. If the content is safe, use "
        "'Categories: None'.",
    ]
    refusal_policy = ""
    if role is Role.ANSWER:
        tasks.append(
            "3) Determine if THE LAST ASSISTANT's response is a refusal to the USER's query."
        )
        answers.append(" - The third line must be one of: 'Refusal: Yes', 'Refusal: No'.")
        refusal_policy = (
            "<BEGIN REFUSAL POLICY>\n"
            "**Refusal: Yes**: The ASSISTANT refused to answer or did not comply with the "
            "USER's request.\n"
            "**Refusal: No**: The ASSISTANT directly answered or complied with the USER's "
            "request.\n"
            "<END REFUSAL POLICY>\n\n"
        )
    subject = f"The {assessed}"
    categories = "\n".join(f"{c.name}." for c in taxonomy(GuardFamily.QWEN3GUARD).for_role(role))
    conversation = "\n\n".join(f"{_QWEN_SPEAKER[r]}: {said}" for r, said in turns)
    task_lines = "\n".join(tasks)
    answer_lines = "\n".join(answers)
    return (
        "<|im_start|>user\n"
        f"# Task:\n{task_lines}\n\n"
        "<BEGIN SAFETY POLICY>\n"
        f"**Safety: Safe**: {subject} does not contain any prohibited content or content that "
        "could lead to prohibited content.\n"
        f"**Safety: Unsafe**: {subject} contains prohibited content.\n"
        f"**Safety: Controversial**: {subject} {_QWEN_CONTROVERSIAL[role]}\n"
        "<END SAFETY POLICY>\n\n"
        f"<BEGIN UNSAFE CONTENT CATEGORIES>\n{categories}\n<END UNSAFE CONTENT CATEGORIES>\n\n"
        f"{refusal_policy}"
        f"<BEGIN CONVERSATION>\n\n{conversation}\n\n<END CONVERSATION>\n\n"
        f"Provide your safety assessment for ONLY THE LAST **{assessed}** in the above "
        f"conversation:\n{answer_lines}<|im_end|>\n"
        "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    )
