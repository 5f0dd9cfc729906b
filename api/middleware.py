"""Pure-ASGI middleware at the edge: request ids, access log, metrics, headers, body limit."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import Metrics

log = structlog.get_logger("espace_sante.access")

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _VALID_REQUEST_ID.match(candidate) else None
    return None


class RequestContextMiddleware:
    """Gives every request an id (the caller's ``X-Request-ID`` when well-formed), binds it to
    the logs, returns it in the response, then logs one access line and records metrics.

    The access line has the path but never the query string: GET queries and OAuth redirects
    carry data that must not be logged. Paths under a ``secret_prefixes`` entry carry a secret
    (the agenda's feed URLs): the line shows the prefix only.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        routes: Iterable[str],
        secret_prefixes: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = frozenset(routes)
        self.secret_prefixes = tuple(secret_prefixes)

    def _loggable(self, path: str) -> str:
        for prefix in self.secret_prefixes:
            if path.startswith(prefix):
                return f"{prefix}…"
        return path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 0
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                status = status or 500
                log.exception("http.unhandled_error")
                raise
            finally:
                seconds = time.perf_counter() - started
                path = scope.get("path", "")
                route = path if path in self.routes else "other"
                method = scope.get("method", "WEBSOCKET")
                if scope["type"] == "http":
                    self.metrics.record_http(
                        route=route, method=method, status=status, seconds=seconds
                    )
                log.info(
                    "http.request" if scope["type"] == "http" else "websocket.closed",
                    method=method,
                    path=self._loggable(path),
                    status=status,
                    duration_ms=round(seconds * 1000, 2),
                    operation=state.get("graphql_operation"),
                )


class SecurityHeadersMiddleware:
    """Headers every response carries; responses may set stricter ones of their own.

    The default Content-Security-Policy allows nothing at all: JSON, iCalendar and error
    responses need nothing, and an HTML page (GraphiQL, the OAuth pages) states its own.
    """

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.headers = {
            "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "x-frame-options": "DENY",
            "cross-origin-opener-policy": "same-origin",
        }
        if https:
            self.headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                # Health data must not sit in shared caches; static assets opt out explicitly.
                headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuses bodies over ``limit`` bytes on ``paths`` with 413, before they are read whole."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        paths: Iterable[str],
        multipart_limit: int | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.paths = frozenset(paths)
        # a multipart upload carries a file: its own limit, plus room for the other form fields
        self.multipart_limit = limit if multipart_limit is None else multipart_limit + 65536

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
        limit = self.multipart_limit if multipart else self.limit
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await self._refuse(send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = (
            b'{"errors":[{"message":"Request body too large (limit %d bytes)",'
            b'"extensions":{"code":"PAYLOAD_TOO_LARGE"}}]}' % limit
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
