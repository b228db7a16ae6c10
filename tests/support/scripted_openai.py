"""A scripted OpenAI-compatible model server: a real HTTP server on 127.0.0.1 for tests.

It answers ``POST /v1/completions`` and ``POST /v1/chat/completions`` (plain JSON, or
server-sent events with ``"stream": true``) and ``GET /v1/models`` from a *script*, and records
every request so a test can assert on exactly what a client sent::

    with ScriptedOpenAI([(r"bomb", "unsafe\\nS9"), (r".", "safe")]) as server:
        client = SomeClient(base_url=server.base_url)   # http://127.0.0.1:PORT/v1
        ...
        assert "S9: Indiscriminate Weapons." in server.requests[-1].prompt_text

A script is either a list of rules ``(regex, reply)`` — the first whose regex ``re.search``-es
the request's prompt text wins — or a callable ``RecordedRequest -> str``. A request no rule
matches gets HTTP 500 with "no scripted rule matches", unless ``default_reply`` is given.

Failure modes, settable at construction or between calls: ``fail_status`` answers every model
call with that HTTP status; ``delay_s`` sleeps before answering (for timeout tests; stopping
the server cuts the sleep short); ``chunk_delay_s`` sleeps between streamed chunks;
``fail_times`` limits ``fail_status`` to the first that many model calls (a rate limit that
clears); ``malformed_times`` answers the first that many model calls with HTTP 200 and a body
that is not a completion.

``scripted_openai`` is a pytest fixture (registered by ``tests/conftest.py``) returning a
factory with the same arguments; every server it starts is stopped after the test.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import pytest

Rule = tuple["str | re.Pattern[str]", str]
Script = Callable[["RecordedRequest"], str] | Sequence[Rule]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it; ``body`` is the parsed JSON (``None`` if none)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def prompt_text(self) -> str:
        """The text a model would continue: ``prompt`` for completions, the last message's
        content for chat (text parts joined), ``""`` otherwise."""
        if not isinstance(self.body, dict):
            return ""
        if isinstance(self.body.get("prompt"), str):
            return str(self.body["prompt"])
        messages = self.messages
        return _content_text(messages[-1].get("content")) if messages else ""

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages sent (empty for completions)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return list(self.body["messages"])
        return []

    @property
    def stream(self) -> bool:
        """Whether the client asked for server-sent events."""
        return isinstance(self.body, dict) and self.body.get("stream") is True


@dataclass
class StreamRecord:
    """One streamed reply: how many content chunks went out and whether it ran to [DONE]."""

    chunks_planned: int
    chunks_sent: int = 0
    completed: bool = False
    client_hung_up: bool = False


@dataclass
class ScriptedOpenAI:
    """The server; a context manager (``start``/``stop`` are also public)."""

    script: Script = ()
    models: tuple[str, ...] = ("scripted-model",)
    default_reply: str | None = None
    fail_status: int | None = None
    delay_s: float = 0.0
    chunk_size: int = 4
    chunk_delay_s: float = 0.0
    fail_times: int | None = None
    malformed_times: int = 0
    requests: list[RecordedRequest] = field(default_factory=list, init=False)
    streams: list[StreamRecord] = field(default_factory=list, init=False)
    _server: _Server | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (the server must be started)."""
        if self._server is None:
            raise RuntimeError("ScriptedOpenAI is not running; call start() or use `with`")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"{self.url}/v1"

    @property
    def model_requests(self) -> list[RecordedRequest]:
        """Recorded ``POST`` requests to the two completion endpoints, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    def start(self) -> ScriptedOpenAI:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut any sleeping handler short, and release the port."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> ScriptedOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def reply_for(self, request: RecordedRequest) -> str | None:
        """The scripted reply for ``request``, or ``None`` when nothing matches."""
        if callable(self.script):
            return self.script(request)
        text = request.prompt_text
        for pattern, reply in self.script:
            if re.search(pattern, text):
                return reply
        return self.default_reply

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        """A client that hangs up mid-exchange is expected (the gateway closes the streams it
        stops); anything else is still reported."""
        if isinstance(sys.exception(), BrokenPipeError | ConnectionResetError):
            return
        super().handle_error(request, client_address)


@pytest.fixture
def scripted_openai() -> Iterator[Callable[..., ScriptedOpenAI]]:
    """A factory taking :class:`ScriptedOpenAI`'s arguments and returning a started server."""
    servers: list[ScriptedOpenAI] = []

    def start(*args: Any, **kwargs: Any) -> ScriptedOpenAI:
        server = ScriptedOpenAI(*args, **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _handler_for(owner: ScriptedOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def do_GET(self) -> None:
            request = self._read()
            if request.path.rstrip("/") == "/v1/models":
                data = [{"id": m, "object": "model", "owned_by": "scripted"} for m in owner.models]
                self._json(200, {"object": "list", "data": data})
            else:
                self._error(404, f"no route GET {request.path}")

        def do_POST(self) -> None:
            request = self._read()
            kind = {
                "/v1/completions": "text",
                "/v1/chat/completions": "chat",
                "/v1/embeddings": "embeddings",
            }.get(request.path.rstrip("/"))
            if kind == "embeddings":
                self._json(200, _embeddings(request.body))
                return
            if kind is None:
                self._error(404, f"no route POST {request.path}")
                return
            if not isinstance(request.body, dict):
                self._error(400, "request body must be a JSON object")
                return
            owner._sleep(owner.delay_s)
            calls = len(owner.model_requests)
            if owner.fail_status is not None and (
                owner.fail_times is None or calls <= owner.fail_times
            ):
                self._error(owner.fail_status, "scripted failure")
                return
            if calls <= owner.malformed_times:
                self._json(200, {"unexpected": "not a completion"})
                return
            reply = owner.reply_for(request)
            if reply is None:
                self._error(500, f"no scripted rule matches {request.prompt_text[-80:]!r}")
                return
            model = str(request.body.get("model", owner.models[0]))
            if request.stream:
                self._stream(kind, model, reply)
            else:
                self._json(200, _completion(kind, model, reply, len(owner.requests)))

        def _read(self) -> RecordedRequest:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            request = RecordedRequest(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
            )
            owner._record(request)
            return request

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str) -> None:
            self._json(status, {"error": {"message": message, "type": "scripted_error"}})

        def _stream(self, kind: str, model: str, reply: str) -> None:
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            size = max(1, owner.chunk_size)
            pieces = [reply[i : i + size] for i in range(0, len(reply), size)] or [""]
            record = StreamRecord(len(pieces))
            with owner._lock:
                owner.streams.append(record)
            try:
                for i, piece in enumerate(pieces):
                    if i:
                        owner._sleep(owner.chunk_delay_s)
                    self._event(_chunk(kind, model, piece, first=i == 0, finish=None))
                    record.chunks_sent += 1
                self._event(_chunk(kind, model, "", first=False, finish="stop"))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                record.completed = True
            except (BrokenPipeError, ConnectionResetError):
                record.client_hung_up = True  # as gateway tests may cause on purpose

        def _event(self, payload: dict[str, Any]) -> None:
            self.wfile.write(f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()

    return Handler


def _embeddings(body: Any) -> dict[str, Any]:
    inputs = body.get("input", "") if isinstance(body, dict) else ""
    texts = inputs if isinstance(inputs, list) else [inputs]
    data = [
        {"object": "embedding", "index": i, "embedding": [float(len(str(t))), 1.0, 0.0]}
        for i, t in enumerate(texts)
    ]
    return {"object": "list", "data": data, "model": "scripted-embedding", "usage": {}}


def _completion(kind: str, model: str, reply: str, n: int) -> dict[str, Any]:
    usage = {"prompt_tokens": 0, "completion_tokens": len(reply.split()), "total_tokens": 0}
    if kind == "chat":
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": reply},
            "finish_reason": "stop",
        }
        return {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [choice],
            "usage": usage,
        }
    choice = {"index": 0, "text": reply, "logprobs": None, "finish_reason": "stop"}
    return {
        "id": f"cmpl-{n}",
        "object": "text_completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": usage,
    }


def _chunk(kind: str, model: str, piece: str, *, first: bool, finish: str | None) -> dict[str, Any]:
    if kind == "chat":
        delta: dict[str, Any] = {"content": piece} if piece or first else {}
        if first:
            delta["role"] = "assistant"
        choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish}
        obj = "chat.completion.chunk"
    else:
        choice = {"index": 0, "text": piece, "logprobs": None, "finish_reason": finish}
        obj = "text_completion"
    return {
        "id": "scripted-stream",
        "object": obj,
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
    }
