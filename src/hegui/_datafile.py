"""Reading a YAML data file into a pydantic model, with errors that name the file and field.

Config files, suite manifests and rule files all fail the same ways — missing, unreadable, not
YAML, not the schema — and a user should get the same kind of message for each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from hegui.errors import HeguiError

Model = TypeVar("Model", bound=BaseModel)


def read_yaml(path: Path, what_en: str, what_zh: str) -> Any:
    """The parsed YAML of ``path``; ``what_*`` names the kind of file in the messages."""
    where = str(path)
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except FileNotFoundError:
        raise HeguiError(f"{what_en} not found", f"找不到{what_zh}", where) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise HeguiError(
            f"cannot read the {what_en}: {reason}", f"无法读取{what_zh}：{reason}", where
        ) from None
    except yaml.MarkedYAMLError as exc:
        line = f":{exc.problem_mark.line + 1}" if exc.problem_mark is not None else ""
        raise HeguiError(
            f"not valid YAML: {exc.problem}", f"不是有效的 YAML：{exc.problem}", where + line
        ) from None
    except yaml.YAMLError as exc:
        raise HeguiError(f"not valid YAML: {exc}", f"不是有效的 YAML：{exc}", where) from None


def validate(model: type[Model], data: Any, where: str) -> Model:
    """``model`` validated from ``data``; the first error names its field, with a count of more."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise HeguiError(
            f"{field}: {first['msg']}{more}", f"{field}：{first['msg']}{more}", where
        ) from None
