"""The OpenAI wire format as the gateway speaks it: request checks, completions, chunks, errors."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from fastapi.responses import JSONResponse


class RequestProblem(Exception):
    """A request the gateway refuses before doing anything, with its HTTP status."""

    def __init__(self, status: int, message: str, code: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.headers: dict[str, str] | None = None
        """Response headers, e.g. the request id of a refusal that was recorded."""


def error_response(problem: RequestProblem, headers: dict[str, str] | None = None) -> JSONResponse:
    """OpenAI-style error JSON."""
    kind = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}.get(
        problem.status, "invalid_request_error" if problem.status < 500 else "api_error"
    )
    payload = {
        "error": {
            "message": problem.message,
            "type": kind,
            "param": problem.param,
            "code": problem.code,
        }
    }
    return JSONResponse(payload, status_code=problem.status, headers=headers)


def parse_body(raw: bytes) -> dict[str, Any]:
    """Decode and parse a JSON object body, naming what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RequestProblem(
            400,
            f"request body is not valid UTF-8 (byte {err.start})"
            f" / 请求体不是有效的 UTF-8（第 {err.start} 字节）",
            "invalid_encoding",
        ) from None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as err:
        raise RequestProblem(
            400,
            f"request body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
            f" / 请求体不是有效的 JSON：第 {err.lineno} 行第 {err.colno} 列",
            "invalid_json",
        ) from None
    if not isinstance(body, dict):
        raise RequestProblem(
            400, "request body must be a JSON object / 请求体必须是 JSON 对象", "invalid_json"
        )
    return body


def check_chat_request(body: dict[str, Any]) -> None:
    """Reject a chat request whose fields have the wrong shape, naming the field."""
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise _field("model", "must be a non-empty string / 必须是非空字符串")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _field("messages", "must be a non-empty list / 必须是非空列表")
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise _field(f"messages[{i}]", "must be an object / 必须是对象")
        if not isinstance(message.get("role"), str):
            raise _field(f"messages[{i}].role", "must be a string / 必须是字符串")
        content = message.get("content")
        if content is not None and not isinstance(content, str | list):
            raise _field(
                f"messages[{i}].content",
                "must be a string or a list of parts / 必须是字符串或内容片段列表",
            )
        if isinstance(content, list) and not all(isinstance(p, dict) for p in content):
            raise _field(f"messages[{i}].content", "parts must be objects / 内容片段必须是对象")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise _field("stream", "must be true or false / 必须是 true 或 false")
    if "user" in body and not isinstance(body["user"], str):
        raise _field("user", "must be a string / 必须是字符串")
    if "n" in body and body["n"] not in (None, 1):
        raise _field("n", "only n=1 is supported by the gateway / 网关只支持 n=1")


def _field(param: str, what: str) -> RequestProblem:
    return RequestProblem(400, f"{param} {what}", "invalid_type", param)


def message_text(content: Any) -> str:
    """The text of a message's content (string, or the text parts of a list)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if p.get("type", "text") == "text")
    return ""


def last_user_text(body: dict[str, Any]) -> str:
    """The newest user message: what this request adds to the conversation."""
    for message in reversed(body["messages"]):
        if message.get("role") == "user":
            return message_text(message.get("content"))
    return ""


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def language_of(text: str) -> str:
    """``zh`` when the text is mostly Chinese, else ``en`` (for messages shown to the user)."""
    cjk = len(_CJK.findall(text))
    return "zh" if cjk and cjk * 3 >= len(_LATIN.findall(text)) else "en"


def completion(
    model: str, content: str, finish_reason: str, completion_id: str, hegui: dict[str, Any]
) -> dict[str, Any]:
    """A chat.completion the gateway wrote itself (a refusal)."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "hegui": hegui,
    }


def chunk(
    completion_id: str,
    model: str,
    created: int,
    content: str | None,
    finish_reason: str | None = None,
    role: bool = False,
    hegui: dict[str, Any] | None = None,
) -> bytes:
    """One server-sent event of a chat.completion.chunk."""
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = "assistant"
    if content is not None:
        delta["content"] = content
    payload: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    if hegui is not None:
        payload["hegui"] = hegui
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


DONE = b"data: [DONE]\n\n"
