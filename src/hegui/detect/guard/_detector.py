"""The guard-model detector: asks a served Llama Guard or Qwen3Guard model for a verdict."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from hegui._endpoint import EndpointClient
from hegui.detect._types import DetectorResult, Role
from hegui.detect.guard._config import GuardConfig
from hegui.detect.guard._parse import GuardOutputError, SafetyTier, parse_output
from hegui.detect.guard._prompts import build_prompt
from hegui.detect.guard._taxonomy import taxonomy


@dataclass(frozen=True, slots=True)
class GuardAssessment:
    """Everything one guard call said, richer than a :class:`DetectorResult`.

    ``tier`` is the model's raw judgement (``None`` when the call failed); ``categories`` are
    the category codes or names exactly as the model wrote them; ``refusal`` is Qwen3Guard's
    refusal line for answers (``None`` otherwise); ``scores`` are the hegui label scores the
    verdict maps to; ``raw_output`` is the generated text.
    """

    detector: str
    tier: SafetyTier | None
    categories: tuple[str, ...]
    scores: dict[str, float]
    refusal: bool | None
    raw_output: str
    latency_ms: float
    error: str | None = None

    def to_result(self) -> DetectorResult:
        """The assessment as the cascade sees it."""
        return DetectorResult(self.detector, self.scores, (), self.latency_ms, self.error)


class GuardDetector(EndpointClient):
    """A :class:`~hegui.detect.Detector` backed by a guard model on an OpenAI-compatible API.

    Never raises from :meth:`detect` or :meth:`assess`: an HTTP error, a timeout or output
    that is not a verdict comes back as a result with ``error`` set and no scores, and the
    cascade decides whether that fails open or closed. A verdict scores every label the
    family covers: 1.0 for the labels of the named categories when unsafe (or controversial
    under ``controversial="strict"``), 0.0 otherwise. Thread-safe; reuse one instance.
    """

    def __init__(self, config: GuardConfig, client: httpx.Client | None = None) -> None:
        """Use ``client`` if given (tests, shared pools); otherwise open one with the
        configured timeout and API key. Call :meth:`close` (or use ``with``) when done."""
        super().__init__(config.api_key, config.timeout_s, client)
        self.config = config
        self.name = f"guard:{config.family.value}"
        self._taxonomy = taxonomy(config.family)

    def labels_covered(self) -> frozenset[str]:
        """The hegui labels this detector can score."""
        return self._taxonomy.labels()

    def detect(self, text: str, role: Role, context_prompt: str | None = None) -> DetectorResult:
        """Score ``text`` as ``role``; for an answer, ``context_prompt`` is the user's prompt."""
        return self.assess(text, role, context_prompt).to_result()

    def assess(self, text: str, role: Role, context_prompt: str | None = None) -> GuardAssessment:
        """Ask the model about ``text`` and return its verdict with the raw tier and output."""
        started = time.perf_counter()
        try:
            output = self._generate(text, Role(role), context_prompt)
        except _CallError as exc:
            return self._failed(started, str(exc), "")
        try:
            reading = parse_output(self.config.family, output)
        except GuardOutputError as exc:
            return self._failed(
                started,
                _bilingual(
                    f"guard model output is not a verdict: {exc}",
                    "护栏模型输出无法解析为判定结果",
                ),
                output,
            )
        return GuardAssessment(
            self.name,
            reading.tier,
            reading.categories,
            self._scores(reading.tier, reading.categories),
            reading.refusal,
            output,
            _elapsed_ms(started),
        )

    def _scores(self, tier: SafetyTier, categories: tuple[str, ...]) -> dict[str, float]:
        scores = dict.fromkeys(sorted(self.labels_covered()), 0.0)
        if tier is SafetyTier.SAFE:
            return scores
        if tier is SafetyTier.CONTROVERSIAL and self.config.controversial == "loose":
            return scores
        named = [self._taxonomy.find(code) for code in categories]
        labels = [label for cat in named if cat is not None for label in cat.labels]
        for label in labels or self._taxonomy.unspecified:
            scores[label] = 1.0
        return scores

    def _generate(self, text: str, role: Role, context_prompt: str | None) -> str:
        prompt = build_prompt(self.config.family, text, role, context_prompt)
        body: dict[str, Any] = {
            "model": self.config.model,
            "max_tokens": self.config.max_tokens,
            "temperature": 0,
        }
        if self.config.endpoint == "chat":
            url = f"{self.config.base_url}/chat/completions"
            body["messages"] = list(prompt.messages)
        else:
            url = f"{self.config.base_url}/completions"
            body["prompt"] = prompt.text
        reply = self._post(url, body)
        try:
            choice = reply["choices"][0]
            content = choice["message"]["content"] if "message" in choice else choice["text"]
        except (KeyError, IndexError, TypeError):
            content = None
        if not isinstance(content, str):
            raise _CallError(
                _bilingual(
                    f"{url} answered without generated text: {str(reply)[:120]}",
                    "护栏模型服务的应答中没有生成文本",
                )
            )
        return content

    def _post(self, url: str, body: dict[str, Any]) -> Any:
        try:
            response = self._client.post(url, json=body)
        except httpx.TimeoutException:
            raise _CallError(
                _bilingual(
                    f"guard model at {url} did not answer within {self.config.timeout_s:g} s",
                    f"护栏模型服务 {url} 在 {self.config.timeout_s:g} 秒内未应答",
                )
            ) from None
        except httpx.HTTPError as exc:
            raise _CallError(
                _bilingual(
                    f"cannot reach guard model at {url}: {exc}",
                    f"无法连接护栏模型服务 {url}：{exc}",
                )
            ) from None
        if response.status_code != 200:
            raise _CallError(
                _bilingual(
                    f"guard model at {url} returned HTTP {response.status_code}: "
                    f"{response.text[:200]}",
                    f"护栏模型服务 {url} 返回 HTTP {response.status_code}",
                )
            )
        try:
            return response.json()
        except ValueError:
            raise _CallError(
                _bilingual(
                    f"guard model at {url} returned non-JSON: {response.text[:120]!r}",
                    f"护栏模型服务 {url} 返回的不是 JSON",
                )
            ) from None

    def _failed(self, started: float, error: str, output: str) -> GuardAssessment:
        return GuardAssessment(self.name, None, (), {}, None, output, _elapsed_ms(started), error)


class _CallError(Exception):
    """The model could not be asked, or did not answer in the OpenAI format."""


def _bilingual(en: str, zh: str) -> str:
    return f"{en} / {zh}"


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
