"""Liveness and readiness.

``/healthz`` answers as long as the process serves requests. ``/readyz`` asks both stores, at
most ``CHECK_TIMEOUT_SECONDS`` each and side by side, and says which one is down and why (the kind
of failure, never an address or a credential). Nothing is cached: the answer turns ready again
by itself as soon as the store is back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse

from storage.errors import StoreUnavailable
from storage.stores import Stores

log = structlog.get_logger("espace_sante.health")
CHECK_TIMEOUT_SECONDS = 2.0
NO_ANSWER = f"no answer within {CHECK_TIMEOUT_SECONDS:g}s"


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _check(probe: Callable[[], Awaitable[None]]) -> dict[str, str]:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_SECONDS):
            await probe()
    except TimeoutError:
        return {"status": "down", "reason": NO_ANSWER}
    except StoreUnavailable as exc:  # the store's own timeout may be the shorter one
        return {"status": "down", "reason": NO_ANSWER if exc.timed_out else type(exc).__name__}
    except Exception as exc:  # right here: whatever a probe raises (a refused login…) means down
        return {"status": "down", "reason": type(exc).__name__}
    return {"status": "up"}


async def readyz(request: Request) -> JSONResponse:
    stores: Stores = request.app.state.stores
    checks: dict[str, dict[str, str]] = {}

    async def run(name: str, probe: Callable[[], Awaitable[None]]) -> None:
        checks[name] = await _check(probe)

    async with anyio.create_task_group() as group:
        group.start_soon(run, "mongodb", stores.ping_mongodb)
        group.start_soon(run, "s3", stores.objects.ping)
    ready = all(check["status"] == "up" for check in checks.values())
    if not ready:
        log.warning("readiness.down", checks=checks)
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": dict(sorted(checks.items()))},
        status_code=200 if ready else 503,
    )
