"""Prometheus metrics of one process: HTTP requests and GraphQL operations, by name."""

from __future__ import annotations

import re

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from starlette.requests import Request
from starlette.responses import Response

MAX_OPERATION_NAMES = 500
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")


class Metrics:
    """Counters and histograms in a registry of their own (one per app, so tests don't collide).

    Operation names come from clients: only the first ``MAX_OPERATION_NAMES`` well-formed names
    get a label of their own, the rest count as ``other``, so a client cannot grow the
    time-series set without bound.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "http_requests_total",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.http_seconds = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            ["route"],
            registry=self.registry,
        )
        self.operations = Counter(
            "graphql_operations_total",
            "GraphQL operations by name, type and outcome",
            ["operation", "type", "outcome"],
            registry=self.registry,
        )
        self.operation_seconds = Histogram(
            "graphql_operation_duration_seconds",
            "GraphQL operation latency by name and type",
            ["operation", "type"],
            registry=self.registry,
        )
        self._names: set[str] = set()

    def _label(self, name: str | None) -> str:
        if name is None:
            return "anonymous"
        if name in self._names:
            return name
        if _NAME.match(name) and len(self._names) < MAX_OPERATION_NAMES:
            self._names.add(name)
            return name
        return "other"

    def record_operation(self, *, name: str | None, kind: str, seconds: float, ok: bool) -> None:
        label = self._label(name)
        self.operations.labels(label, kind, "ok" if ok else "error").inc()
        self.operation_seconds.labels(label, kind).observe(seconds)

    def record_http(self, *, route: str, method: str, status: int, seconds: float) -> None:
        self.http_requests.labels(route, method, str(status)).inc()
        self.http_seconds.labels(route).observe(seconds)

    async def endpoint(self, request: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
