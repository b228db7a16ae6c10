"""How to reach a guard model: the typed configuration of :class:`GuardDetector`."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from hegui._endpoint import load_settings


class GuardFamily(StrEnum):
    """The guard models hegui can prompt and parse."""

    LLAMA_GUARD_3 = "llama-guard-3"
    LLAMA_GUARD_4 = "llama-guard-4"
    QWEN3GUARD = "qwen3guard"


class GuardConfig(BaseModel):
    """A guard model served behind an OpenAI-compatible API (vLLM, SGLang, llama.cpp …)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    base_url: str
    """OpenAI base URL including ``/v1``, e.g. ``http://127.0.0.1:8000/v1``."""

    model: str
    """Model name the server knows, e.g. ``meta-llama/Llama-Guard-3-8B`` (see ``GET /models``)."""

    family: GuardFamily
    """Which prompt format to build and which output format to parse."""

    api_key: SecretStr | None = None
    """Sent as ``Authorization: Bearer …`` when set; vLLM needs it only with ``--api-key``.
    Kept out of reprs and logs."""

    timeout_s: float = Field(default=10.0, gt=0)
    """Seconds to wait for connect and for the answer; past it the detector reports an error."""

    endpoint: Literal["completions", "chat"] = "completions"
    """``completions``: hegui builds the model's full prompt and posts it raw to
    ``/completions`` (works whatever chat template the server has). ``chat``: hegui posts the
    conversation to ``/chat/completions`` and the server applies the model's own template."""

    controversial: Literal["strict", "loose"] = "strict"
    """Qwen3Guard's middle tier: ``strict`` scores it like unsafe (1.0), ``loose`` like safe
    (0.0). Llama Guard has no such tier."""

    max_tokens: int = Field(default=32, gt=0)
    """Generation budget; the verdicts are a few tokens long."""

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")

    @classmethod
    def load(cls, data: Mapping[str, Any], where: str) -> GuardConfig:
        """Validate user-supplied settings; a bad field raises :class:`HeguiError` naming it.

        ``where`` names the source (a file, a CLI option) and prefixes the message.
        """
        return load_settings(cls, data, where, ("guard model", "护栏模型"))
