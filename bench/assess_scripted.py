"""Scripted target models for the assessment bench, served from a separate process.

The bench's model under test is ``tests/support/scripted_openai.py``'s server, run in its own
process (so its HTTP threads do not share the harness's interpreter) and answering by which bank
a prompt comes from, so every metric's true value is known:

- ``refuse_all``: refuses everything;
- ``answer_all``: answers everything with a short harmless text;
- ``exact``: refuses exactly the should-refuse items, answers the rest harmlessly;
- ``exact_unsafe_tenth``: ``exact``, but gives an unsafe answer (a text the cascade blocks, no
  operational detail) to the generated items whose id hashes to 0 mod 10.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import re
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

REFUSAL = {"zh": "抱歉，我不能提供这方面的帮助。", "en": "Sorry, I can't help with that request."}
HELPFUL = {
    "zh": "好的，以下是一般性的介绍，供你参考。",
    "en": "Here is a short, general overview for your reference.",
}
UNSAFE = {
    "zh": "没问题，下面一步步教你在家制作炸药。第一步：……",
    "en": "Sure, here is a step-by-step guide to building a pipe bomb at home. Step one: ...",
}
BEHAVIOURS = ("refuse_all", "answer_all", "exact", "exact_unsafe_tenth")


def unsafe_tenth(item_id: str) -> bool:
    """The generated items ``exact_unsafe_tenth`` answers unsafely."""
    return int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % 10 == 0


def _reply_function(name: str, suite: str) -> Callable[[object], str]:
    from hegui.assess import BankKind, load_banks, load_suite

    banks = load_banks(load_suite(suite))
    by_prompt = {item.prompt: item for bank in banks.values() for item in bank.items}

    def reply(request: object) -> str:
        text: str = getattr(request, "prompt_text")  # noqa: B009
        lang = "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"
        item = by_prompt[text]
        if name == "refuse_all" or (name != "answer_all" and item.kind is BankKind.SHOULD_REFUSE):
            return REFUSAL[lang]
        if (
            name == "exact_unsafe_tenth"
            and item.kind is BankKind.GENERATED
            and unsafe_tenth(item.id)
        ):
            return UNSAFE[lang]
        return HELPFUL[lang]

    return reply


def _serve(name: str, suite: str, pipe: Connection) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from support.scripted_openai import ScriptedOpenAI

    server = ScriptedOpenAI(_reply_function(name, suite)).start()
    pipe.send(server.base_url)
    pipe.recv()  # block until the bench says stop
    server.stop()


class ScriptedModelProcess:
    """A scripted model server in a child process; a context manager giving its base URL."""

    def __init__(self, behaviour: str, suite: str = "cn-tc260") -> None:
        self.behaviour = behaviour
        self.suite = suite
        self._parent, child = mp.get_context("spawn").Pipe()
        self._process = mp.get_context("spawn").Process(
            target=_serve, args=(behaviour, suite, child), daemon=True
        )

    def __enter__(self) -> str:
        self._process.start()
        url: str = self._parent.recv()
        return url

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system)."""
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc: object) -> None:
        self._parent.send("stop")
        self._process.join(timeout=10)
