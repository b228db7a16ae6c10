"""Prometheus metrics of one gateway: requests, decisions by category, latencies."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics import MetricWrapperBase

from hegui.detect import Decision, Verdict

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class GatewayMetrics:
    """The gateway's own registry, so several gateways in one process do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hegui_requests",
            "Requests by app, endpoint and outcome.",
            ["app", "endpoint", "outcome"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "hegui_decisions",
            "Cascade decisions by app, stage (prompt/answer), decision and category.",
            ["app", "stage", "decision", "category"],
            registry=self.registry,
        )
        self.detector_seconds = Histogram(
            "hegui_detector_seconds",
            "Time spent in each detector.",
            ["detector"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.upstream_seconds = Histogram(
            "hegui_upstream_seconds",
            "Time until the upstream answered (non-streamed) or finished streaming.",
            ["app"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "hegui_request_seconds",
            "Whole request time through the gateway.",
            ["app", "endpoint"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def count_request(self, app: str, endpoint: str, outcome: str, seconds: float) -> None:
        """Count a request and its whole time."""
        self._child(self.requests, app, endpoint, outcome).inc()
        self._child(self.request_seconds, app, endpoint).observe(seconds)

    def observe_upstream(self, app: str, seconds: float) -> None:
        """Record how long the upstream took."""
        self._child(self.upstream_seconds, app).observe(seconds)

    def observe_verdict(self, app: str, stage: str, verdict: Verdict) -> None:
        """Count a verdict and its detectors' time."""
        decision = verdict.decision.value
        categories = [c.id for c in verdict.categories if c.decision is not Decision.ALLOW]
        for category in categories or ["none"]:
            self._child(self.decisions, app, stage, decision, category).inc()
        for detector, ms in verdict.latency_ms.items():
            self._child(self.detector_seconds, detector).observe(ms / 1000)

    def _child(self, metric: MetricWrapperBase, *labels: str) -> Any:
        """``metric.labels(*labels)``, remembered: prometheus_client takes a lock and checks
        the label names on every ``labels`` call, a cost on every request."""
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)
