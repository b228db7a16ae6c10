"""Labelled training examples and reading them from JSONL files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hegui._jsonl import read_jsonl
from hegui.detect.classifier._labels import SAFE, UNSAFE, known_labels
from hegui.errors import HeguiError

ROLES = ("prompt", "answer")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text.

    ``label`` is a detector label from ``labels.yaml``, ``"safe"``, or ``"unsafe"`` (violating,
    category unknown: trains only the unsafe-vs-safe head). ``lang`` is ``"zh"``, ``"en"`` or
    ``""`` when unknown; ``role`` is ``"prompt"`` or ``"answer"``; ``source`` names where the
    example came from (a file or data set) for per-source split counts.
    """

    text: str
    label: str
    lang: str = ""
    role: str = "prompt"
    source: str = ""

    @property
    def unsafe(self) -> bool:
        return self.label != SAFE


def read_labelled(path: Path) -> list[Example]:
    """Read labelled JSONL: ``text`` and ``label`` required, ``lang`` and ``role`` optional.

    Raises :class:`HeguiError` naming the file and line for a line that is not a JSON object
    with string ``text`` and ``label``, an empty text, a label that is neither ``safe``,
    ``unsafe`` nor defined in ``labels.yaml``, or a role other than prompt / answer.
    """
    allowed = known_labels() | {SAFE, UNSAFE}
    examples = []
    for number, obj in read_jsonl(path, ("text", "label")):
        where = f"{path}:{number}"
        text, label = obj["text"], obj["label"].strip()
        if not text.strip():
            raise HeguiError("field 'text' is empty", "字段“text”为空", where)
        if label not in allowed:
            raise HeguiError(
                f"label '{label}' is not 'safe', 'unsafe' or a detector label in labels.yaml",
                f"标签“{label}”不是 safe、unsafe，也不是 labels.yaml 中定义的检测标签",
                where,
            )
        role = obj.get("role", "prompt")
        if role not in ROLES:
            raise HeguiError(
                f"field 'role' must be 'prompt' or 'answer', not {role!r}",
                f"字段“role”必须是 prompt 或 answer，而不是 {role!r}",
                where,
            )
        lang = obj.get("lang", "")
        examples.append(
            Example(text, label, lang if isinstance(lang, str) else "", role, path.name)
        )
    return examples
