"""Labels for generated text (GB 45438-2025): the explicit text label and AIGC metadata.

The implicit label follows Annex E: one ``AIGC`` field holding ``Label``, ``ContentProducer``,
``ProduceID``, ``ReservedCode1``, ``ContentPropagator``, ``PropagateID``, ``ReservedCode2``.
``ReservedCode1`` carries integrity data: here an HMAC-SHA256, under the provider's key, of the
producer, the produce id and the labelled content, so any change to the text or the metadata
is detectable by whoever holds the key (``hegui label verify``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from hegui.errors import HeguiError

AIGC_FIELDS = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
AI_GENERATED = "1"


def with_explicit_label(text: str, label: str, position: Literal["start", "end"]) -> str:
    """``text`` with the explicit label at its start or end, on its own line."""
    return f"{label}\n{text}" if position == "start" else f"{text}\n{label}"


def new_produce_id() -> str:
    """A content id unique to one answer."""
    return uuid.uuid4().hex


def content_signature(key: bytes, producer: str, produce_id: str, content: str) -> str:
    """ReservedCode1: HMAC-SHA256 binding the content to its producer and id."""
    message = json.dumps([producer, produce_id, content], ensure_ascii=False).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def implicit_label(key: bytes, producer: str, produce_id: str, content: str) -> dict[str, str]:
    """The Annex E metadata of a first write: propagator fields equal the producer's."""
    return {
        "Label": AI_GENERATED,
        "ContentProducer": producer,
        "ProduceID": produce_id,
        "ReservedCode1": content_signature(key, producer, produce_id, content),
        "ContentPropagator": producer,
        "PropagateID": produce_id,
        "ReservedCode2": "",
    }


def header_value(metadata: dict[str, str]) -> str:
    """The metadata as an HTTP header value (ASCII JSON)."""
    return json.dumps(metadata, ensure_ascii=True, separators=(",", ":"))


@dataclass(frozen=True)
class LabelCheck:
    """The result of checking one labelled text against its metadata."""

    valid: bool
    reasons: tuple[str, ...]
    produce_id: str


def verify_label(
    key: bytes, content: str, metadata: dict[str, Any], explicit: tuple[str, ...] = ()
) -> LabelCheck:
    """Whether ``content`` is exactly what was labelled and the metadata is intact.

    ``explicit`` lists acceptable explicit label texts; when given, the content must carry one.
    """
    missing = [f for f in AIGC_FIELDS if f not in metadata]
    if missing:
        raise HeguiError(
            f"AIGC metadata lacks fields: {', '.join(missing)}",
            f"AIGC 元数据缺少字段：{', '.join(missing)}",
        )
    reasons: list[str] = []
    producer = str(metadata["ContentProducer"])
    produce_id = str(metadata["ProduceID"])
    expected = content_signature(key, producer, produce_id, content)
    if not hmac.compare_digest(expected, str(metadata["ReservedCode1"])):
        reasons.append(
            "signature mismatch: content or metadata changed / 签名不符：内容或元数据被改动"
        )
    if str(metadata["Label"]) not in {"1", "2", "3"}:
        reasons.append("Label is not 1, 2 or 3 / Label 不是 1、2 或 3")
    if explicit and not any(label in content for label in explicit):
        reasons.append("explicit label missing / 缺少显式标识")
    return LabelCheck(not reasons, tuple(reasons), produce_id)
