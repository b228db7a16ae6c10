"""The gateway's work for one chat request: check, forward, check, label, record."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import JSONResponse, Response, StreamingResponse

from hegui.companion import TurnPlan
from hegui.detect import Cascade, Decision, Role, Verdict, build_cascade
from hegui.detect.keywords import KeywordDetector, PendingKeywords
from hegui.errors import HeguiError
from hegui.gateway._audit import AuditEntry, AuditLog
from hegui.gateway._companion import (
    CompanionGate,
    blocked_for_user,
    prefix_of,
    replaces_answer,
    suffix_of,
    with_notices,
)
from hegui.gateway._companion import summary as companion_summary
from hegui.gateway._complaints import ComplaintDesk
from hegui.gateway._config import AppConfig, GatewayConfig, hash_api_key
from hegui.gateway._labels import header_value, implicit_label, new_produce_id, with_explicit_label
from hegui.gateway._metrics import GatewayMetrics
from hegui.gateway._openai import (
    DONE,
    RequestProblem,
    chunk,
    completion,
    language_of,
    last_user_text,
)
from hegui.gateway._records import blocked_risks, stored_text, verdict_record, worst
from hegui.gateway._store import open_database
from hegui.gateway._stream import StreamGuard
from hegui.gateway._strikes import (
    LocalRateLimiter,
    Measure,
    RateLimiter,
    RedisRateLimiter,
    StrikeBook,
)
from hegui.gateway._upstream import Upstream, UpstreamError, UpstreamStream, encode_json
from hegui.policy import PolicyPack, Scope, load_policy

log = logging.getLogger("hegui.gateway")

UPSTREAM_DOWN = {
    "zh": "抱歉，服务暂时不可用，请稍后再试。",
    "en": "Sorry, the service is temporarily unavailable. Please try again later.",
}
_MODELS_TTL_S = 60.0
_MEASURE_TTL_S = 2.0
_INLINE_CHECK_CHARS = 2_000
"""Longest text whose fast tiers run on the event loop (keywords, PII and n-gram take ~4 ms on
2,000 Chinese characters); a longer one is checked in a worker thread so the loop is never
held long."""


@dataclass
class AppRuntime:
    """An app with its loaded policy, cascade and upstream client."""

    config: AppConfig
    pack: PolicyPack
    cascade: Cascade
    upstream: Upstream
    pending_keywords: PendingKeywords | None = None
    """The cascade's keywords longer than half the stream window (held back while forming)."""
    models_cache: tuple[float, frozenset[str]] | None = None

    @property
    def name(self) -> str:
        return self.config.name


@dataclass
class Exchange:
    """What happened to one request, accumulated for its audit record."""

    request_id: str
    app: AppRuntime
    body: dict[str, Any]
    lang: str
    user: str | None
    started: float = field(default_factory=time.perf_counter)
    prompt_text: str = ""
    prompt_verdict: Verdict | None = None
    answer_verdict: Verdict | None = None
    answer_text: str | None = None
    upstream_status: int | None = None
    upstream_ms: float | None = None
    error: str | None = None
    produce_id: str | None = None
    measure: dict[str, Any] | None = None
    disconnected: bool = False
    outcome: str = "allow"
    decision: str | None = None
    """Set when the gateway decided without a verdict (a refusal by a user measure)."""
    plan: TurnPlan | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))


class Gateway:
    """One gateway process: its apps, detectors, records and metrics."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        engine = open_database(config.database_url)
        self.audit = AuditLog(engine)
        self.complaints = ComplaintDesk(engine)
        self.strikes = StrikeBook(engine)
        self.limiter: RateLimiter = (
            RedisRateLimiter(config.redis_url) if config.redis_url else LocalRateLimiter()
        )
        self.metrics = GatewayMetrics()
        self.label_key = config.label_key() if any(a.labels.implicit for a in config.apps) else b""
        # One cascade, and its keywords' pending test, per (policy, scope, failure mode).
        cascades: dict[tuple[str, Scope, str], tuple[Cascade, PendingKeywords | None]] = {}
        self.apps: dict[str, AppRuntime] = {}
        self._by_key: dict[str, AppRuntime] = {}
        for app in config.apps:
            pack = _pack_for(app)
            ident = (app.policy, app.scope, app.detector_failure)
            if ident not in cascades:
                built = build_cascade(pack, app.scope)
                cascades[ident] = (built, _pending_keywords(built))
            cascade, pending = cascades[ident]
            upstream = Upstream(app.upstream, app.upstream_api_key(), app.upstream_timeout_s)
            runtime = AppRuntime(app, pack, cascade, upstream, pending)
            self.apps[app.name] = runtime
            for digest in app.api_key_sha256:
                self._by_key[digest] = runtime
        self._measures: dict[tuple[str, str], tuple[float, Measure | None]] = {}
        companion_packs = {a.name: a.pack for a in self.apps.values() if a.config.companion}
        self.companion = CompanionGate(config, companion_packs) if companion_packs else None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the audit writer and apply the longest retention any app's pack sets.

        The detectors are loaded by now: about 360,000 long-lived Python objects (keyword
        library, policy packs). A full garbage collection walks every one of them, 100-200 ms
        with the event loop stalled, which made the gateway's p99; frozen here (moved to the
        permanent generation) they are never walked again.
        """
        gc.collect()
        gc.freeze()
        self.audit.start()
        retention = [a.pack.records.retention_days for a in self.apps.values() if a.pack.records]
        if retention:
            await asyncio.to_thread(self.audit.purge_older_than, max(retention))

    async def stop(self) -> None:
        """Close upstream connections and write every queued record."""
        for runtime in self.apps.values():
            await runtime.upstream.close()
        if isinstance(self.limiter, RedisRateLimiter):
            await self.limiter.close()
        if self.companion is not None:
            await asyncio.to_thread(self.companion.close)
        await asyncio.to_thread(self.audit.close)

    def app_for(self, authorization: str | None) -> AppRuntime:
        """The app a bearer key belongs to; 401 otherwise."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise RequestProblem(
                401,
                "missing API key: send 'Authorization: Bearer KEY' / 缺少 API 密钥",
                "missing_api_key",
            )
        runtime = self._by_key.get(hash_api_key(authorization[7:].strip()))
        if runtime is None:
            raise RequestProblem(401, "invalid API key / API 密钥无效", "invalid_api_key")
        return runtime

    # -- checks ---------------------------------------------------------------------------------

    async def check(self, runtime: AppRuntime, text: str, role: Role) -> Verdict:
        """Run the app's cascade: the fast tiers of a short text on the event loop (a worker
        thread would cost more in hand-offs and GIL waits than the ~1-2 ms they take), slow
        tiers and long texts in a worker thread."""
        try:
            if len(text) <= _INLINE_CHECK_CHARS:
                outcome = runtime.cascade.check_fast(text, role)
                verdict = (
                    outcome if isinstance(outcome, Verdict) else await asyncio.to_thread(outcome)
                )
            else:
                verdict = await asyncio.to_thread(runtime.cascade.check, text, role)
        except HeguiError as err:
            raise RequestProblem(413, f"{err.en} / {err.zh}", "text_too_long") from None
        self.metrics.observe_verdict(runtime.name, role.value, verdict)
        return verdict

    async def known_models(self, runtime: AppRuntime) -> frozenset[str] | None:
        """Models the app accepts (config, else the upstream's list, cached); None if unknown."""
        if runtime.config.models is not None:
            return frozenset(runtime.config.models)
        now = time.monotonic()
        if runtime.models_cache and now - runtime.models_cache[0] < _MODELS_TTL_S:
            return runtime.models_cache[1]
        try:
            reply = await runtime.upstream.get("models")
            names = frozenset(str(m["id"]) for m in json.loads(reply.content)["data"])
        except (UpstreamError, ValueError, KeyError, TypeError):
            return None
        runtime.models_cache = (now, names)
        return names

    async def measure_for(self, runtime: AppRuntime, user: str) -> Measure | None:
        """The measure in force against ``user`` (cached for a moment)."""
        key = (runtime.name, user)
        now = time.monotonic()
        cached = self._measures.get(key)
        if cached and now - cached[0] < _MEASURE_TTL_S:
            return cached[1]
        measure = await asyncio.to_thread(self.strikes.measure_for, runtime.name, user)
        self._measures[key] = (now, measure)
        return measure

    async def enforce_measures(self, ex: Exchange) -> None:
        """Refuse a suspended user; rate-limit a restricted one. A refused request is recorded
        (nothing was checked, the upstream was not called) before the refusal is raised."""
        runtime, user = ex.app, ex.user
        rules = runtime.pack.strikes
        if user is None or rules is None:
            return
        measure = await self.measure_for(runtime, user)
        if measure is None:
            return
        step = next(s for s in rules.steps if s.action == measure.action)
        message = f"{step.message.en} / {step.message.zh} (until {measure.until})"
        if measure.action == "suspend":
            refusal = RequestProblem(403, message, "user_suspended")
        elif measure.action == "restrict" and not await self.limiter.allow(
            runtime.name, user, measure.requests_per_minute
        ):
            refusal = RequestProblem(429, message, "user_restricted")
        else:
            return
        ex.outcome = refusal.code
        ex.decision = "block"
        ex.extra["refusal"] = {
            "status": refusal.status,
            "measure": measure.action,
            "until": measure.until,
            "reason": refusal.message,
            "clause": rules.clause,
        }
        await self._record(ex)
        refusal.headers = self._headers(ex, None)
        raise refusal

    # -- the chat endpoint ----------------------------------------------------------------------

    async def chat(self, runtime: AppRuntime, body: dict[str, Any]) -> Response:
        """Serve one validated chat request."""
        user = body.get("user") if isinstance(body.get("user"), str) else None
        prompt = last_user_text(body)
        ex = Exchange(
            uuid.uuid4().hex, runtime, body, language_of(prompt), user, prompt_text=prompt
        )
        models = await self.known_models(runtime)
        if models is not None and body["model"] not in models:
            raise RequestProblem(
                404,
                f"model {body['model']!r} is not served by this app"
                f" / 该应用不提供模型 {body['model']!r}",
                "model_not_found",
                "model",
            )
        await self.enforce_measures(ex)
        if runtime.config.companion and self.companion is not None:
            if user is None:
                raise RequestProblem(
                    400,
                    "companion apps need the request's user field"
                    " / 陪伴类应用的请求必须带 user 字段",
                    "missing_user",
                    "user",
                )
            ex.plan = await self.companion.before(runtime.name, user, prompt, body)
            if replaces_answer(ex.plan):
                return await self._companion_reply(ex, ex.plan)
        ex.prompt_verdict = blocked_for_user(
            await self.check(runtime, prompt, Role.PROMPT), ex.plan
        )
        if ex.prompt_verdict.decision is Decision.BLOCK:
            await self._strike(ex)
            return await self._refuse(ex, "prompt", ex.prompt_verdict)
        if ex.stream:
            return await self._stream(ex)
        return await self._whole(ex)

    async def _whole(self, ex: Exchange) -> Response:
        runtime = ex.app
        content = encode_json(ex.body)
        sent = time.perf_counter()
        try:
            reply = await runtime.upstream.post("chat/completions", content)
        except UpstreamError as err:
            return await self._upstream_failed(ex, f"upstream unreachable: {err}")
        ex.upstream_status = reply.status
        ex.upstream_ms = (time.perf_counter() - sent) * 1000
        self.metrics.observe_upstream(runtime.name, ex.upstream_ms / 1000)
        if 400 <= reply.status < 500:
            return await self._pass_client_error(ex, reply.status, reply.content)
        try:
            data = json.loads(reply.content)
            message = data["choices"][0]["message"]
            answer = message.get("content") or ""
            if not isinstance(answer, str):
                raise TypeError("content is not a string")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            return await self._upstream_failed(
                ex, f"upstream returned status {reply.status} and no usable completion"
            )
        if reply.status != 200:
            return await self._upstream_failed(ex, f"upstream returned status {reply.status}")
        ex.answer_verdict = blocked_for_user(
            await self.check(runtime, answer, Role.ANSWER), ex.plan
        )
        if ex.answer_verdict.decision is Decision.BLOCK:
            return await self._refuse(ex, "answer", ex.answer_verdict)
        if ex.plan is not None:
            answer = with_notices(answer, ex.plan)
        labelled, aigc = self._label(ex, answer)
        message["content"] = labelled
        ex.answer_text = labelled
        data["hegui"] = self._hegui(ex, aigc)
        await self._record(ex)
        await self._after_turn(ex)
        return JSONResponse(data, headers=self._headers(ex, aigc))

    async def _stream(self, ex: Exchange) -> Response:
        content = encode_json(ex.body)
        sent = time.perf_counter()
        try:
            upstream = await ex.app.upstream.stream("chat/completions", content)
        except UpstreamError as err:
            return await self._upstream_failed(ex, f"upstream unreachable: {err}")
        ex.upstream_status = upstream.status
        if upstream.status != 200:
            try:
                said = await upstream.read()
            except UpstreamError as err:
                return await self._upstream_failed(ex, f"upstream unreachable: {err}")
            finally:
                upstream.close()
            if 400 <= upstream.status < 500:
                return await self._pass_client_error(ex, upstream.status, said)
            return await self._upstream_failed(ex, f"upstream returned status {upstream.status}")
        ex.produce_id = new_produce_id()
        aigc_head = self._aigc_header(ex)
        return StreamingResponse(
            self._relay(ex, upstream, sent),
            media_type="text/event-stream",
            headers={**self._headers(ex, None), **aigc_head},
        )

    async def _relay(
        self, ex: Exchange, upstream: UpstreamStream, sent: float
    ) -> AsyncIterator[bytes]:
        runtime = ex.app
        model = str(ex.body["model"])
        cid = f"chatcmpl-{ex.request_id}"
        created = int(time.time())
        settings = runtime.config.labels
        label = runtime.pack.labels.explicit.get(ex.lang) if runtime.pack.labels else None
        position = settings.position or (
            runtime.pack.labels.position if runtime.pack.labels else "end"
        )
        explicit = settings.explicit and label is not None
        plan = ex.plan
        longest = runtime.pack.cascade.max_chars

        async def check(text: str) -> Verdict:
            # The last check reads the whole answer, which may be longer than the cascade takes.
            verdict = await self.check(runtime, text[-longest:], Role.ANSWER)
            return blocked_for_user(verdict, plan)

        guard = StreamGuard(runtime.config.stream, check, runtime.pending_keywords)
        delivered: list[str] = []
        finish = "stop"
        started = False
        finished = False
        try:
            yield chunk(cid, model, created, "", role=True)
            if explicit and position == "start" and label is not None:
                delivered.append(label + "\n")
                yield chunk(cid, model, created, label + "\n")
            if plan is not None and prefix_of(plan):
                delivered.append(prefix_of(plan))
                yield chunk(cid, model, created, prefix_of(plan))
            async for piece, reason in _sse_pieces(upstream):
                if reason:
                    finish = reason
                if not piece:
                    continue
                started = True
                step = await guard.feed(piece)
                if step.blocked is not None:
                    upstream.close()
                    async for out in self._stream_refusal(ex, cid, model, created, step.blocked):
                        yield out
                    finished = True
                    return
                if step.release:
                    delivered.append(step.release)
                    yield chunk(cid, model, created, step.release)
            ex.upstream_ms = (time.perf_counter() - sent) * 1000
            self.metrics.observe_upstream(runtime.name, ex.upstream_ms / 1000)
            if started:
                last = await guard.finish()
                if last.blocked is not None:
                    async for out in self._stream_refusal(ex, cid, model, created, last.blocked):
                        yield out
                    finished = True
                    return
                if last.release:
                    delivered.append(last.release)
                    yield chunk(cid, model, created, last.release)
            if plan is not None and suffix_of(plan):
                delivered.append(suffix_of(plan))
                yield chunk(cid, model, created, suffix_of(plan))
            if explicit and position == "end" and label is not None:
                delivered.append("\n" + label)
                yield chunk(cid, model, created, "\n" + label)
            ex.answer_verdict = guard.last_verdict
            ex.answer_text = "".join(delivered)
            aigc = self._aigc(ex, ex.answer_text)
            ex.extra["stream_checks"] = guard.checks
            await self._record(ex)
            await self._after_turn(ex)
            finished = True
            yield chunk(cid, model, created, None, finish, hegui=self._hegui(ex, aigc))
            yield DONE
        except _UpstreamBroke as err:
            upstream.close()
            ex.error = str(err)
            ex.answer_text = "".join(delivered)
            ex.outcome = "upstream_error"
            await self._record(ex)
            finished = True
            message = UPSTREAM_DOWN[ex.lang]
            yield chunk(cid, model, created, message, "content_filter", hegui=self._hegui(ex, None))
            yield DONE
        finally:
            if not finished:
                # The client went away (or the server is stopping): stop the upstream and keep
                # the record of what was sent.
                upstream.close()
                ex.disconnected = True
                ex.answer_text = "".join(delivered)
                ex.answer_verdict = guard.last_verdict
                self.audit.submit(self._entry(ex))

    async def _stream_refusal(
        self, ex: Exchange, cid: str, model: str, created: int, verdict: Verdict
    ) -> AsyncIterator[bytes]:
        ex.answer_verdict = verdict
        ex.outcome = "answer_blocked"
        message = ex.app.pack.refusal_message(ex.lang, blocked_risks(verdict))
        ex.answer_text = message
        await self._record(ex)
        await self._after_turn(ex)
        yield chunk(cid, model, created, message)
        yield chunk(cid, model, created, None, "content_filter", hegui=self._hegui(ex, None))
        yield DONE

    # -- outcomes -------------------------------------------------------------------------------

    async def _refuse(self, ex: Exchange, stage: str, verdict: Verdict) -> Response:
        ex.outcome = f"{stage}_blocked"
        message = ex.app.pack.refusal_message(ex.lang, blocked_risks(verdict))
        if ex.measure is not None:
            message = f"{message}\n{ex.measure['message']}"
        ex.answer_text = message
        await self._record(ex)
        await self._after_turn(ex)
        return self._written_reply(ex, message, "content_filter")

    async def _companion_reply(self, ex: Exchange, plan: TurnPlan) -> Response:
        """Exit, human takeover or crisis response: the plan's message instead of the model."""
        ex.outcome = f"companion_{plan.action.value}"
        message = plan.message or ""
        ex.answer_text = message
        await self._record(ex)
        await self._after_turn(ex)
        return self._written_reply(ex, message, "stop")

    def _written_reply(self, ex: Exchange, message: str, finish_reason: str) -> Response:
        """A completion the gateway wrote itself (refusal, crisis response, failure notice),
        streamed when the client asked for a stream."""
        cid = f"chatcmpl-{ex.request_id}"
        model = str(ex.body["model"])
        hegui = self._hegui(ex, None)
        headers = self._headers(ex, None)
        if not ex.stream:
            payload = completion(model, message, finish_reason, cid, hegui)
            return JSONResponse(payload, headers=headers)
        created = int(time.time())

        async def events() -> AsyncIterator[bytes]:
            yield chunk(cid, model, created, "", role=True)
            yield chunk(cid, model, created, message)
            yield chunk(cid, model, created, None, finish_reason, hegui=hegui)
            yield DONE

        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    async def _after_turn(self, ex: Exchange) -> None:
        if ex.plan is not None and self.companion is not None:
            await self.companion.after(ex.plan, ex.answer_text or "")

    async def _upstream_failed(self, ex: Exchange, why: str) -> Response:
        ex.error = why
        ex.outcome = "upstream_error"
        await self._record(ex)
        log.warning(
            json.dumps({"event": "upstream_failure", "request_id": ex.request_id, "why": why})
        )
        if ex.app.config.on_upstream_error == "error":
            raise RequestProblem(502, f"{why} / 上游模型服务出错", "upstream_error")
        return self._written_reply(ex, UPSTREAM_DOWN[ex.lang], "content_filter")

    async def _pass_client_error(self, ex: Exchange, status: int, content: bytes) -> Response:
        """The upstream rejected the request as malformed: the client hears why, as sent."""
        ex.error = f"upstream rejected the request with status {status}"
        ex.outcome = "upstream_rejected"
        await self._record(ex)
        try:
            payload = json.loads(content)
        except ValueError:
            payload = {"error": {"message": content.decode("utf-8", "replace")[:500]}}
        return JSONResponse(payload, status_code=status, headers=self._headers(ex, None))

    async def _strike(self, ex: Exchange) -> None:
        rules = ex.app.pack.strikes
        if ex.user is None or rules is None or ex.prompt_verdict is None:
            return
        count, step = await asyncio.to_thread(
            self.strikes.add_strike,
            ex.app.name,
            ex.user,
            ex.request_id,
            blocked_risks(ex.prompt_verdict),
            rules,
        )
        ex.extra["strikes"] = count
        if step is None:
            return
        self._measures.pop((ex.app.name, ex.user), None)
        ex.measure = {
            "action": step.action,
            "strikes": count,
            "message": step.message.get(ex.lang),
            "clause": rules.clause,
        }
        await self.audit.append(
            AuditEntry(
                "user_measure",
                ex.request_id,
                ex.app.name,
                step.action,
                {"user": ex.user, "strikes": count, "measure": step.model_dump(mode="json")},
            )
        )

    # -- labels, records, headers ---------------------------------------------------------------

    def _label(self, ex: Exchange, answer: str) -> tuple[str, dict[str, str] | None]:
        runtime = ex.app
        settings = runtime.config.labels
        labelled = answer
        if settings.explicit and runtime.pack.labels is not None:
            position = settings.position or runtime.pack.labels.position
            labelled = with_explicit_label(
                answer, runtime.pack.labels.explicit.get(ex.lang), position
            )
        ex.produce_id = new_produce_id()
        return labelled, self._aigc(ex, labelled)

    def _aigc(self, ex: Exchange, content: str) -> dict[str, str] | None:
        if not ex.app.config.labels.implicit or ex.produce_id is None:
            return None
        return implicit_label(self.label_key, self.config.provider_name, ex.produce_id, content)

    def _aigc_header(self, ex: Exchange) -> dict[str, str]:
        """For a stream, the header is sent before the content exists: it names the producer
        and id; the signed metadata arrives in the last chunk."""
        if not ex.app.config.labels.implicit or ex.produce_id is None:
            return {}
        head = {
            "Label": "1",
            "ContentProducer": self.config.provider_name,
            "ProduceID": ex.produce_id,
            "ReservedCode1": "",
            "ContentPropagator": self.config.provider_name,
            "PropagateID": ex.produce_id,
            "ReservedCode2": "",
        }
        return {"AIGC": header_value(head)}

    def _headers(self, ex: Exchange, aigc: dict[str, str] | None) -> dict[str, str]:
        headers = {"X-Hegui-Request-Id": ex.request_id}
        if aigc is not None:
            headers["AIGC"] = header_value(aigc)
        return headers

    def _hegui(self, ex: Exchange, aigc: dict[str, str] | None) -> dict[str, Any]:
        prompt = ex.prompt_verdict
        answer = ex.answer_verdict
        out: dict[str, Any] = {
            "request_id": ex.request_id,
            "decision": worst(
                prompt.decision.value if prompt else None,
                answer.decision.value if answer else None,
                "error" if ex.error else None,
            ),
            "stage": ex.outcome,
            "policy": {"id": ex.app.pack.id, "version": ex.app.pack.version},
            "prompt": _summary(prompt),
            "answer": _summary(answer),
        }
        if ex.error:
            out["error"] = ex.error
        if ex.measure is not None:
            out["user_measure"] = ex.measure
        if ex.plan is not None:
            out["companion"] = companion_summary(ex.plan)
        if aigc is not None:
            out["aigc"] = aigc
        return out

    def _entry(self, ex: Exchange) -> AuditEntry:
        mode = ex.app.config.content
        prompt = ex.prompt_verdict
        answer = ex.answer_verdict
        decision = ex.decision or worst(
            prompt.decision.value if prompt else None,
            answer.decision.value if answer else None,
            "error" if ex.error else None,
        )
        body: dict[str, Any] = {
            "user": ex.user,
            "scope": ex.app.config.scope.value,
            "policy": {"id": ex.app.pack.id, "version": ex.app.pack.version},
            "model": ex.body.get("model"),
            "stream": ex.stream,
            "outcome": ex.outcome,
            "prompt": verdict_record(prompt) if prompt else None,
            "answer": verdict_record(answer) if answer else None,
            "upstream_status": ex.upstream_status,
            "latency_ms": {
                "total": round((time.perf_counter() - ex.started) * 1000, 3),
                "upstream": round(ex.upstream_ms, 3) if ex.upstream_ms is not None else None,
            },
            "error": ex.error,
            "content_mode": mode,
            "prompt_text": stored_text(ex.prompt_text, mode),
            "answer_text": stored_text(ex.answer_text, mode),
            "produce_id": ex.produce_id,
            "client_disconnected": ex.disconnected,
            "companion": companion_summary(ex.plan) if ex.plan is not None else None,
            **ex.extra,
        }
        return AuditEntry("exchange", ex.request_id, ex.app.name, decision, body)

    async def _record(self, ex: Exchange) -> None:
        entry = self._entry(ex)
        await self.audit.append(entry)
        log.info(
            json.dumps(
                {
                    "event": "exchange",
                    "request_id": ex.request_id,
                    "app": ex.app.name,
                    "decision": entry.decision,
                    "outcome": ex.outcome,
                    "stream": ex.stream,
                    "latency_ms": entry.body["latency_ms"],
                },
                ensure_ascii=False,
            )
        )


class _UpstreamBroke(Exception):
    """The upstream stream ended in a way no well-behaved server ends one."""


async def _sse_pieces(upstream: UpstreamStream) -> AsyncIterator[tuple[str, str | None]]:
    """(content piece, finish reason) from an upstream's server-sent events."""
    done = False
    try:
        async for line in upstream.lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                done = True
                break
            try:
                event = json.loads(data)
                choice = event["choices"][0] if event.get("choices") else {}
                delta = choice.get("delta") or {}
                piece = delta.get("content") or ""
                if not isinstance(piece, str):
                    raise TypeError("content is not a string")
            except (ValueError, KeyError, TypeError, AttributeError, IndexError):
                raise _UpstreamBroke(f"upstream sent an unreadable event: {data[:80]!r}") from None
            yield piece, choice.get("finish_reason")
    except UpstreamError as err:
        raise _UpstreamBroke(f"upstream stream broke: {err}") from None
    if not done:
        raise _UpstreamBroke("upstream closed the stream before [DONE]")


def _summary(verdict: Verdict | None) -> dict[str, Any] | None:
    if verdict is None:
        return None
    return {
        "decision": verdict.decision.value,
        "categories": [c.id for c in verdict.categories if c.decision is not Decision.ALLOW],
        "decided_by": verdict.decided_by,
    }


def _pack_for(app: AppConfig) -> PolicyPack:
    """The app's pack, with the app's override of what a failed detector means."""
    pack = load_policy(app.policy)
    if app.detector_failure == "policy":
        return pack
    modes = {**pack.cascade.on_detector_error, app.scope: app.detector_failure}
    cascade = pack.cascade.model_copy(update={"on_detector_error": modes})
    return pack.model_copy(update={"cascade": cascade})


def _pending_keywords(cascade: Cascade) -> PendingKeywords | None:
    """The cascade's keywords, for holding back one that is still arriving; None without a
    keyword tier."""
    detector = next(
        (t.detector for t in cascade.tiers if isinstance(t.detector, KeywordDetector)), None
    )
    if detector is None:
        return None
    return PendingKeywords(detector.library.matcher)
