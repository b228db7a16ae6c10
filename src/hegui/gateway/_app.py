"""The HTTP surface: OpenAI-compatible routes, complaints, health and metrics."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field, ValidationError, model_validator

from hegui import __version__
from hegui.companion import admin_router
from hegui.gateway._audit import AuditEntry
from hegui.gateway._config import GatewayConfig
from hegui.gateway._gateway import AppRuntime, Gateway
from hegui.gateway._openai import RequestProblem, check_chat_request, error_response, parse_body
from hegui.gateway._upstream import UpstreamError


class ComplaintRequest(BaseModel):
    """A complaint as a user files it (Interim Measures Art. 15)."""

    content_id: str | None = Field(default=None, max_length=64)
    """The ProduceID of the answer complained about."""
    request_id: str | None = Field(default=None, max_length=64)
    """The request id (X-Hegui-Request-Id) complained about."""
    reason: str = Field(min_length=1, max_length=5000)
    """What is wrong."""
    contact: str | None = Field(default=None, max_length=500)
    """How to reach the complainant."""

    @model_validator(mode="after")
    def _names_something(self) -> ComplaintRequest:
        if not self.content_id and not self.request_id:
            raise ValueError("give content_id or request_id / 请提供 content_id 或 request_id")
        return self


def create_app(config: GatewayConfig) -> FastAPI:
    """The gateway as an ASGI app (uvicorn serves it; tests may too)."""
    gateway = Gateway(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await gateway.start()
        yield
        await gateway.stop()

    app = FastAPI(title="hegui gateway", version=__version__, lifespan=lifespan)
    app.state.gateway = gateway
    admin_token = os.environ.get(config.admin_token_env)
    if gateway.companion is not None and admin_token:
        app.include_router(
            admin_router(gateway.companion.monitor, admin_token), prefix="/admin/companion"
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, err: Exception) -> Response:
        logging.getLogger("hegui.gateway").exception("unexpected error")
        problem = RequestProblem(
            500, f"internal error: {type(err).__name__} / 网关内部错误", "internal_error"
        )
        return error_response(problem)

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > config.max_body_bytes:
            raise _too_big(config.max_body_bytes)
        raw = bytearray()
        async for part in request.stream():
            raw += part
            if len(raw) > config.max_body_bytes:
                raise _too_big(config.max_body_bytes)
        return bytes(raw)

    async def guarded(request: Request, endpoint: str, handler: Any) -> Response:
        started = time.perf_counter()
        app_name = "-"
        try:
            runtime = gateway.app_for(request.headers.get("authorization"))
            app_name = runtime.name
            response: Response = await handler(runtime)
            outcome = str(response.status_code)
        except RequestProblem as problem:
            response = error_response(problem, problem.headers)
            outcome = problem.code
        gateway.metrics.count_request(app_name, endpoint, outcome, time.perf_counter() - started)
        return response

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        async def handle(runtime: AppRuntime) -> Response:
            body = parse_body(await read_body(request))
            check_chat_request(body)
            return await gateway.chat(runtime, body)

        return await guarded(request, "chat", handle)

    @app.get("/v1/models")
    async def models(request: Request) -> Response:
        async def handle(runtime: AppRuntime) -> Response:
            names = await gateway.known_models(runtime)
            if names is None:
                raise RequestProblem(
                    502, "upstream model list unavailable / 无法获取上游模型列表", "upstream_error"
                )
            data = [{"id": n, "object": "model", "owned_by": runtime.name} for n in sorted(names)]
            return JSONResponse({"object": "list", "data": data})

        return await guarded(request, "models", handle)

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> Response:
        async def handle(runtime: AppRuntime) -> Response:
            raw = await read_body(request)
            parse_body(raw)
            try:
                reply = await runtime.upstream.post("embeddings", raw)
            except UpstreamError as err:
                raise RequestProblem(
                    502, f"upstream unreachable: {err} / 上游不可达", "upstream_error"
                ) from None
            return Response(
                reply.content,
                status_code=reply.status,
                media_type=reply.content_type or "application/json",
            )

        return await guarded(request, "embeddings", handle)

    @app.post("/v1/complaints")
    async def file_complaint(request: Request) -> Response:
        async def handle(runtime: AppRuntime) -> Response:
            body = parse_body(await read_body(request))
            try:
                filed = ComplaintRequest.model_validate(body)
            except ValidationError as err:
                first = err.errors()[0]
                field = ".".join(str(p) for p in first["loc"]) or "body"
                raise RequestProblem(
                    400, f"{field}: {first['msg']}", "invalid_complaint", field
                ) from None
            rules = runtime.pack.complaints
            if rules is None:
                raise RequestProblem(
                    404,
                    f"policy {runtime.pack.id} sets no complaint rules / 该策略未设置投诉规则",
                    "complaints_not_configured",
                )
            complaint = await asyncio.to_thread(
                gateway.complaints.file,
                runtime.name,
                filed.reason,
                rules.deadline_days,
                filed.content_id,
                filed.request_id,
                filed.contact,
            )
            await gateway.audit.append(
                AuditEntry(
                    "complaint",
                    complaint.id,
                    runtime.name,
                    "open",
                    {"complaint": complaint.as_dict(), "clause": rules.clause},
                )
            )
            return JSONResponse(complaint.as_dict(), status_code=201)

        return await guarded(request, "complaints", handle)

    @app.get("/v1/complaints/{complaint_id}")
    async def complaint_status(request: Request, complaint_id: str) -> Response:
        async def handle(runtime: AppRuntime) -> Response:
            found = await asyncio.to_thread(gateway.complaints.get, complaint_id, runtime.name)
            if found is None:
                raise RequestProblem(
                    404, f"no complaint {complaint_id!r} / 没有该投诉", "not_found"
                )
            return JSONResponse(found.as_dict())

        return await guarded(request, "complaints", handle)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "apps": sorted(gateway.apps), "version": __version__}

    @app.get("/metrics")
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(
            gateway.metrics.exposition(), media_type="text/plain; version=0.0.4"
        )

    return app


def _too_big(limit: int) -> RequestProblem:
    return RequestProblem(
        413,
        f"request body is larger than {limit:,} bytes / 请求体超过 {limit:,} 字节",
        "body_too_large",
    )
