"""The gateway's configuration: apps keyed by hashed API keys, and the server-wide settings."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hegui._datafile import read_yaml, validate
from hegui.errors import HeguiError
from hegui.policy import DEFAULT_POLICY_ID, Scope

ContentMode = Literal["full", "hash", "redact"]


def hash_api_key(key: str) -> str:
    """The SHA-256 hex digest under which an API key is stored in the config."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelSettings(_Strict):
    """How an app labels what its model generates (GB 45438)."""

    explicit: bool = True
    """Add the policy's explicit text label to every generated answer."""
    position: Literal["start", "end"] | None = None
    """Where the explicit label goes; None takes the policy pack's position."""
    implicit: bool = True
    """Attach AIGC metadata (Annex E) to the response body and headers."""


class StreamSettings(_Strict):
    """How streamed answers are checked before they reach the client."""

    release: Literal["adaptive", "window"] = "adaptive"
    """adaptive: text a check allows is sent at once, except from where a keyword or a
    personal-data value may still be forming; text a check flags keeps the full window.
    window: the newest ``window_chars`` characters are always held back."""
    window_chars: int = Field(default=32, ge=0)
    """Characters held back behind the last check (always in ``window`` release, after a
    flagged check in ``adaptive``), so a span still being written is not sent."""
    check_every_chars: int = Field(default=16, gt=0)
    """Check again once this many new characters have arrived."""
    context_chars: int = Field(default=128, gt=0)
    """How much already-checked text each incremental check reads again (at least the window,
    from the start of a word): enough for a keyword entry or classifier segment that straddles
    two checks to be seen whole by the later one. The default covers the longest shipped
    keyword entry (73 characters) and the n-gram classifier's 100-character segment."""


class AppConfig(_Strict):
    """One client application behind the gateway."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    """App name, as it appears in records and metrics."""
    api_key_sha256: list[str] = Field(min_length=1)
    """SHA-256 hex digests of the API keys that identify this app (``hegui serve --hash-key``)."""
    upstream: str
    """Base URL of the OpenAI-compatible model server, e.g. ``http://127.0.0.1:8000/v1``."""
    upstream_api_key_env: str | None = None
    """Environment variable holding the upstream's API key, if it needs one."""
    models: list[str] | None = None
    """Model names clients may ask for; None accepts what the upstream's /v1/models lists."""
    policy: str = DEFAULT_POLICY_ID
    """Policy pack id or path."""
    scope: Scope = Scope.PUBLIC
    """public applies the full policy; internal applies the pack's internal actions."""
    labels: LabelSettings = Field(default_factory=LabelSettings)
    """Explicit and implicit labels."""
    content: ContentMode = "full"
    """How prompts and answers are kept in the audit log: in full, as hashes, or PII-redacted."""
    on_upstream_error: Literal["fail_closed", "error"] = "fail_closed"
    """fail_closed: the client gets a refusal-style completion; error: an OpenAI error JSON."""
    detector_failure: Literal["policy", "fail_closed", "fail_open"] = "policy"
    """What a failed detector means: as the policy says for the scope, or overridden."""
    stream: StreamSettings = Field(default_factory=StreamSettings)
    """Streamed answer checking."""
    upstream_timeout_s: float = Field(default=60.0, gt=0)
    """Longest wait for the upstream (per read for streams)."""
    companion: bool = False
    """Run the companion-chat safeguards for this app (needs a pack with companion rules,
    e.g. cn-companion); requests must then carry the ``user`` field."""

    @model_validator(mode="after")
    def _keys_are_digests(self) -> AppConfig:
        for digest in self.api_key_sha256:
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ValueError("api_key_sha256 entries must be 64 lowercase hex characters")
        return self

    def upstream_api_key(self) -> str | None:
        """The upstream key from the environment, if configured."""
        return os.environ.get(self.upstream_api_key_env) if self.upstream_api_key_env else None


class GatewayConfig(_Strict):
    """Everything ``hegui serve --config FILE`` reads."""

    apps: list[AppConfig] = Field(min_length=1)
    """The client applications."""
    database_url: str = "sqlite:///hegui.db"
    """Where audit records, complaints and user strikes are kept (SQLite or PostgreSQL URL)."""
    provider_name: str = "hegui"
    """ContentProducer in the implicit label: the provider's name or code."""
    label_key_env: str = "HEGUI_LABEL_KEY"
    """Environment variable holding the HMAC key that signs implicit labels (ReservedCode1)."""
    label_key_file: Path | None = None
    """A file holding the key instead (created with a random key if missing)."""
    max_body_bytes: int = Field(default=1_000_000, gt=0)
    """Largest request body accepted."""
    redis_url: str | None = None
    """Redis URL shared by gateway replicas for rate limits; None counts in this process."""
    admin_token_env: str = "HEGUI_ADMIN_TOKEN"
    """Environment variable holding the bearer token of the companion admin API (at
    ``/admin/companion``; not served when unset)."""
    companion_database_url: str | None = None
    """Where companion sessions, profiles and cases are kept; None uses ``database_url``."""
    companion_webhook_url: str | None = None
    """Where a new self-harm case is POSTed (guardian / emergency-contact notification)."""

    @model_validator(mode="after")
    def _unique(self) -> GatewayConfig:
        names = [a.name for a in self.apps]
        if len(names) != len(set(names)):
            raise ValueError("app names must be unique")
        digests = [d for a in self.apps for d in a.api_key_sha256]
        if len(digests) != len(set(digests)):
            raise ValueError("an API key is listed for more than one app")
        return self

    def label_key(self) -> bytes:
        """The label-signing key; a clear error when neither the environment nor a file has it."""
        if self.label_key_file is not None:
            return read_or_create_key(self.label_key_file)
        value = os.environ.get(self.label_key_env)
        if not value:
            raise HeguiError(
                f"set the label signing key in the environment variable {self.label_key_env}",
                f"请在环境变量 {self.label_key_env} 中设置标识签名密钥",
            )
        return value.encode("utf-8")


def read_or_create_key(path: Path) -> bytes:
    """The key in ``path``; a new random key is written (owner-only) when the file is missing."""
    try:
        if not path.exists():
            path.write_text(secrets.token_hex(32), encoding="utf-8")
            path.chmod(0o600)
        key = path.read_text(encoding="utf-8").strip()
    except OSError as err:
        raise HeguiError(
            f"cannot read or create the key file: {err}",
            f"无法读取或创建密钥文件：{err}",
            str(path),
        ) from None
    if not key:
        raise HeguiError("the key file is empty", "密钥文件为空", str(path))
    return key.encode("utf-8")


def load_config(path: Path) -> GatewayConfig:
    """Read and validate a gateway config file, naming the field at fault on error."""
    data = read_yaml(path, "gateway config file", "网关配置文件")
    return validate(GatewayConfig, data, str(path))
