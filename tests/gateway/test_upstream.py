"""Reading an upstream's streamed reply: lines as server-sent events end them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest

from hegui.gateway._upstream import UpstreamStream


def _reply(*reads: bytes) -> Any:
    """A stand-in for aiohttp's response: its body arrives in ``reads``."""

    async def iter_any() -> AsyncIterator[bytes]:
        for data in reads:
            yield data

    return SimpleNamespace(content=SimpleNamespace(iter_any=iter_any))


def _lines(*reads: bytes) -> list[str]:
    async def collect() -> list[str]:
        return [line async for line in UpstreamStream(_reply(*reads)).lines()]

    return asyncio.run(collect())


@pytest.mark.parametrize(
    ("reads", "lines"),
    [
        ((b"data: a\n\ndata: b\n\n",), ["data: a", "", "data: b", ""]),
        ((b"data: a\r", b"\n\r\ndata: b\r\n"), ["data: a", "", "data: b"]),  # \r\n split
        ((b"data: a\rdata: b\r",), ["data: a", "data: b"]),
        ((b"da", "ta: 你".encode()[:-1], "你".encode()[-1:] + b"\n"), ["data: 你"]),
        ((b"data: last",), ["data: last"]),  # no line break before the end
        (('data: {"c": "a\u2028b"}\n'.encode(),), ['data: {"c": "a\u2028b"}']),
    ],
)
def test_lines_end_where_server_sent_events_end_them(
    reads: tuple[bytes, ...], lines: list[str]
) -> None:
    assert _lines(*reads) == lines
