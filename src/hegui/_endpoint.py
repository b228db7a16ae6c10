"""What every client of a served model shares: validated settings and a pooled HTTP client."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from hegui.errors import HeguiError

M = TypeVar("M", bound=BaseModel)


def load_settings(model: type[M], data: Mapping[str, Any], where: str, what: tuple[str, str]) -> M:
    """``data`` validated as ``model``; a bad field raises :class:`HeguiError` naming it.

    ``where`` names the source (a file, a CLI option) and prefixes the message; ``what`` names
    the settings in English and Chinese ("guard model", "护栏模型").
    """
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise HeguiError(
            f"{what[0]} setting '{field}' is invalid: {first['msg']}",
            f"{what[1]}配置项“{field}”无效：{first['msg']}",
            where,
        ) from None


class EndpointClient:
    """Owns the pooled HTTP client that talks to one served model; close it when done (or use
    the object as a context manager)."""

    def __init__(
        self, api_key: SecretStr | None, timeout_s: float, client: httpx.Client | None
    ) -> None:
        """Use ``client`` if given (tests, shared pools); otherwise open one that waits
        ``timeout_s`` and sends ``api_key`` as a bearer token when set."""
        key = api_key.get_secret_value() if api_key else None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout_s), headers=headers)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
