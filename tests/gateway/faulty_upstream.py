"""An upstream that misbehaves on purpose, at the socket level: garbage, drops, hangs."""

from __future__ import annotations

import json
import socket
import threading
from types import TracebackType

_EVENT = {
    "id": "x",
    "object": "chat.completion.chunk",
    "created": 0,
    "model": "m",
    "choices": [{"index": 0, "delta": {"content": "你好，"}, "finish_reason": None}],
}


class FaultyUpstream:
    """Answers every request per ``mode``: garbage_json, garbage_stream, drop_stream, hang."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._open: list[socket.socket] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"

    def __enter__(self) -> FaultyUpstream:
        self._thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._sock.close()
        for conn in self._open:
            conn.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._open.append(conn)
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            if self.mode == "hang":
                self._stop.wait(30)
                return
            if self.mode == "garbage_json":
                body = b"<html>oops</html>"
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\nConnection: close\r\n\r\n"
                    + body
                )
            elif self.mode in {"garbage_stream", "drop_stream"}:
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    b"Connection: close\r\n\r\n"
                )
                conn.sendall(f"data: {json.dumps(_EVENT, ensure_ascii=False)}\n\n".encode())
                if self.mode == "garbage_stream":
                    conn.sendall(b"data: {not json\n\n")
            conn.close()
        except OSError:
            return
