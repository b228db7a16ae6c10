"""A fast scripted OpenAI-compatible upstream for the gateway benchmarks (its own process).

    python bench/gateway_upstream.py --port 9100 [--chunk-chars 4] [--chunk-delay-ms 0]

``POST /v1/chat/completions`` answers with the scripted text named by the request's
``metadata.answer`` (see ``gateway_texts.scripted_text``; default: the first safe answer), whole
or as server-sent events of ``metadata.chunk_chars`` characters every
``metadata.chunk_delay_ms`` milliseconds (defaults from the command line). A stream given a
``metadata.stream_id`` is recorded: ``GET /bench/streams/{id}`` says how many characters went
out and whether the stream ran to ``[DONE]`` or was cut by the client. ``GET /v1/models`` lists
``bench-model``. It binds to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway_texts import SAFE_ANSWERS, scripted_text

MODEL = "bench-model"


@dataclass
class StreamRecord:
    """How far one recorded stream got."""

    total_chars: int
    received_at: float
    """``time.perf_counter()`` when the request arrived: on Linux the system-wide monotonic
    clock, so the load generator can subtract its own send time (same machine)."""
    sent_chars: int = 0
    completed: bool = False
    cut: bool = False


def _chunk(cid: str, created: int, delta: dict[str, Any], finish: str | None) -> bytes:
    payload = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def build_app(chunk_chars: int, chunk_delay_ms: float) -> Starlette:
    """The upstream as an ASGI app."""
    streams: dict[str, StreamRecord] = {}
    first_answer = next(iter(SAFE_ANSWERS))

    async def chat(request: Request) -> Response:
        received_at = time.perf_counter()
        body = await request.json()
        meta = body.get("metadata") or {}
        try:
            text = scripted_text(str(meta.get("answer", first_answer)))
        except KeyError:
            return JSONResponse({"error": {"message": "unknown metadata.answer"}}, 400)
        cid = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": created,
                    "model": MODEL,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": 10,
                        "completion_tokens": len(text),
                        "total_tokens": 0,
                    },
                }
            )
        size = int(meta.get("chunk_chars", chunk_chars))
        delay = float(meta.get("chunk_delay_ms", chunk_delay_ms)) / 1000
        record = StreamRecord(len(text), received_at)
        if "stream_id" in meta:
            streams[str(meta["stream_id"])] = record

        async def events() -> AsyncIterator[bytes]:
            try:
                yield _chunk(cid, created, {"role": "assistant", "content": ""}, None)
                for start in range(0, len(text), size):
                    if delay and start:
                        await asyncio.sleep(delay)
                    piece = text[start : start + size]
                    yield _chunk(cid, created, {"content": piece}, None)
                    record.sent_chars += len(piece)
                yield _chunk(cid, created, {}, "stop")
                yield b"data: [DONE]\n\n"
                record.completed = True
            finally:
                record.cut = not record.completed

        return StreamingResponse(events(), media_type="text/event-stream")

    async def models(_: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": MODEL, "object": "model"}]})

    async def stream_record(request: Request) -> Response:
        record = streams.get(request.path_params["stream_id"])
        if record is None:
            return JSONResponse({"error": "unknown stream"}, 404)
        return JSONResponse(asdict(record))

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/models", models),
            Route("/bench/streams/{stream_id}", stream_record),
            Route("/healthz", health),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--chunk-chars", type=int, default=4)
    parser.add_argument("--chunk-delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    uvicorn.run(
        build_app(args.chunk_chars, args.chunk_delay_ms),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
