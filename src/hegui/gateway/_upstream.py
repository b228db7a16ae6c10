"""The HTTP client an app uses to reach its upstream model server.

It is aiohttp's: httpx's connection pool walks every open connection, polling each socket, on
every request, which with 50 requests in flight cost more CPU than all the rest of the
gateway's work on a request; aiohttp takes and returns a pooled connection in constant time.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

_CONNECT_TIMEOUT_S = 10.0
_MAX_CONNECTIONS = 1000
_JSON = {"Content-Type": "application/json"}


class UpstreamError(Exception):
    """The upstream could not be reached, timed out or broke the connection; the message is
    the kind of failure (``ClientConnectorError``, ``SocketTimeoutError``, …)."""


@dataclass(frozen=True)
class UpstreamReply:
    """A whole reply from the upstream."""

    status: int
    content: bytes
    content_type: str | None


def encode_json(body: Any) -> bytes:
    """A request body as forwarded (compact UTF-8 JSON; NaN is refused with ValueError)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class UpstreamStream:
    """A streamed reply as it is read: its status, its lines, and a way to stop it."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    @property
    def status(self) -> int:
        """The HTTP status the upstream answered with."""
        return self._response.status

    async def read(self) -> bytes:
        """The rest of the body (for a reply that is not a stream of events)."""
        try:
            return await self._response.read()
        except (aiohttp.ClientError, TimeoutError) as err:
            raise UpstreamError(type(err).__name__) from None

    async def lines(self) -> AsyncIterator[str]:
        """The body's lines as they arrive; ``\\n``, ``\\r\\n`` and ``\\r`` end a line (as in
        server-sent events; a U+2028 inside an event's JSON does not)."""
        pending = b""
        try:
            async for data in self._response.content.iter_any():
                pending += data
                # A final \r waits for the next read: it may be the start of a \r\n.
                cut = len(pending) - 1 if pending.endswith(b"\r") else len(pending)
                *complete, rest = (
                    pending[:cut].replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
                )
                pending = rest + pending[cut:]
                for line in complete:
                    yield line.decode("utf-8", "replace")
        except (aiohttp.ClientError, TimeoutError) as err:
            raise UpstreamError(type(err).__name__) from None
        if pending:
            yield pending.rstrip(b"\r").decode("utf-8", "replace")

    def close(self) -> None:
        """Stop reading and close the connection: the upstream sees the disconnect."""
        self._response.close()


class Upstream:
    """One app's upstream: a base URL, its key, and a pool of connections to it.

    ``timeout_s`` bounds the wait for a connection and each read (a stream may run longer in
    total, as long as it keeps sending); connecting itself has ten seconds.
    """

    def __init__(self, base_url: str, api_key: str | None, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout_s, sock_connect=_CONNECT_TIMEOUT_S, sock_read=timeout_s
        )
        self._proxy = _environment_proxy(self.base_url)
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # A session belongs to the running event loop: it is made on first use, not at start-up.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=_MAX_CONNECTIONS),
                headers=self._headers,
                timeout=self._timeout,
                proxy=self._proxy,
            )
        return self._session

    async def close(self) -> None:
        """Close every connection."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, path: str) -> UpstreamReply:
        """``GET base_url + path``, read whole."""
        return await self._whole("GET", path, None)

    async def post(self, path: str, content: bytes) -> UpstreamReply:
        """``POST`` a JSON body to ``base_url + path``, the reply read whole."""
        return await self._whole("POST", path, content)

    async def stream(self, path: str, content: bytes) -> UpstreamStream:
        """``POST`` a JSON body; the reply is read as it arrives (close it when done)."""
        try:
            response = await self._open().post(self.base_url + path, data=content, headers=_JSON)
        except (aiohttp.ClientError, TimeoutError) as err:
            raise UpstreamError(type(err).__name__) from None
        return UpstreamStream(response)

    async def _whole(self, method: str, path: str, content: bytes | None) -> UpstreamReply:
        try:
            async with self._open().request(
                method, self.base_url + path, data=content, headers=_JSON if content else None
            ) as response:
                return UpstreamReply(
                    response.status, await response.read(), response.headers.get("Content-Type")
                )
        except (aiohttp.ClientError, TimeoutError) as err:
            raise UpstreamError(type(err).__name__) from None


def _environment_proxy(url: str) -> str | None:
    """The proxy the environment sets for ``url`` (``HTTP_PROXY``, ``NO_PROXY``, …), looked up
    once: aiohttp's ``trust_env`` reads the whole environment again on every request."""
    host = urllib.parse.urlsplit(url).hostname
    if host and urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(urllib.parse.urlsplit(url).scheme)
