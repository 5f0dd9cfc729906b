"""Rate limits per OAuth client, per person and per address, shared by every replica.

Each request is counted in fixed windows of ``RATE_LIMIT_WINDOW_SECONDS`` (MongoDB counters:
``storage/rate_limits.py``, so a second replica sees the first one's count):

- with a token: one budget for the OAuth client (``RATE_LIMIT_PER_CLIENT``: a practice software
  serves many professionals) and one for the person the token is about (``RATE_LIMIT_PER_PERSON``:
  a professional or patient, or the patient an app acts for, across every client they use);
  operators (client credentials) have their client budget only;
- without a token: one budget per client address (``RATE_LIMIT_PER_ANONYMOUS_IP``).

Every counted response carries the IETF draft headers ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (of the budget closest to running out); past a
limit the answer is 429 with ``Retry-After`` and a GraphQL-shaped error coded ``RATE_LIMITED``.
When MongoDB cannot count (down, or slower than the store timeout) the request goes on
uncounted: the limiter must not turn a store outage into a refusal of everything, and the
request meets the outage anyway and gets its own clear error. For ``PAUSE_AFTER_FAILURE_SECONDS``
after such a failure, requests are not counted at all, so that during an outage each one is not
delayed by the store timeout first (this process-local pause holds no budget: only a moment's
knowledge that the store is down).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
import orjson
import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import ActorUser
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock
from storage.errors import StoreUnavailable
from storage.rate_limits import RateWindowRepository

log = structlog.get_logger("espace_sante.rate_limits")
PAUSE_AFTER_FAILURE_SECONDS = 5.0

# A store out of reach or too slow: the request goes on, uncounted (see ``hit``).
UNCOUNTED: tuple[type[Exception], ...] = (TimeoutError, StoreUnavailable)


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    """Requests allowed per window, per kind of budget; 0 switches a budget off."""

    window_seconds: int
    per_client: int
    per_person: int
    per_anonymous_ip: int
    store_timeout_seconds: float = 2.0

    def budgets(self, actor: Actor | None, address: str) -> list[tuple[str, int]]:
        """The ``(key, limit)`` budgets a request draws on."""
        if actor is None:
            budgets = [(f"ip:{address}", self.per_anonymous_ip)]
        else:
            budgets = [(f"client:{actor.client_id}", self.per_client)]
            if actor.kind is not ActorKind.OPERATOR:
                # an app acts for a patient: it spends that patient's budget
                person = ActorKind.PATIENT if actor.kind is ActorKind.APP else actor.kind
                budgets.append((f"person:{person.value}:{actor.id}", self.per_person))
        return [(key, limit) for key, limit in budgets if limit > 0]


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window ends

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_seconds).encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", str(self.reset_seconds).encode()))
        return headers


class RateLimiter:
    """Counts a request against its budgets and says whether it may go on."""

    def __init__(
        self,
        policy: RateLimitPolicy,
        counters: Callable[[], RateWindowRepository],
        clock: Clock,
    ) -> None:
        self.policy = policy
        self._counters = counters
        self._clock = clock
        self._paused_until = 0.0  # time.monotonic() before which counting is not tried

    async def check(self, actor: Actor | None, address: str) -> Verdict | None:
        """The verdict of the tightest budget; ``None`` when none applies or counting failed."""
        budgets = self.policy.budgets(actor, address)
        if not budgets or time.monotonic() < self._paused_until:
            return None
        window = self.policy.window_seconds
        now = self._clock.now()
        start = math.floor(now.timestamp() / window) * window
        ends = datetime.fromtimestamp(start + window, UTC)
        counters = self._counters()
        try:
            with anyio.fail_after(self.policy.store_timeout_seconds):
                found = await asyncio.gather(
                    *(counters.hit(key, start, ends) for key, _ in budgets)
                )
        except UNCOUNTED as exc:
            log.warning("rate_limit.uncounted", error=type(exc).__name__)
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
            return None
        reset = max(1, math.ceil(start + window - now.timestamp()))
        verdicts = [
            Verdict(
                allowed=count <= limit,
                limit=limit,
                remaining=max(0, limit - count),
                reset_seconds=reset,
            )
            for (_, limit), count in zip(budgets, found, strict=True)
        ]
        refused = [v for v in verdicts if not v.allowed]
        return refused[0] if refused else min(verdicts, key=lambda v: v.remaining)


class RateLimitMiddleware:
    """Pure ASGI: counts each HTTP request (after authentication put the actor in the scope)."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        user = scope.get("user")
        actor = user.actor if isinstance(user, ActorUser) else None
        client = scope.get("client")
        verdict = await self.limiter.check(actor, client[0] if client else "unknown")
        if verdict is None:
            await self.app(scope, receive, send)
            return
        if not verdict.allowed:
            await _refuse(send, verdict)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in verdict.headers():
                    headers.append(name.decode(), value.decode())
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse(send: Send, verdict: Verdict) -> None:
    body = orjson.dumps(
        {
            "errors": [
                {
                    "message": f"Too many requests: at most {verdict.limit} in this window; "
                    f"retry in {verdict.reset_seconds} s.",
                    "extensions": {"code": "RATE_LIMITED", "retryAfter": verdict.reset_seconds},
                }
            ]
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *verdict.headers(),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
