"""What the service says about itself, and the example subscription (server time ticks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from resolvers.core.clock import Clock
from resolvers.core.errors import InvalidInput

MIN_INTERVAL_SECONDS = 0.1
MAX_INTERVAL_SECONDS = 60.0
MAX_TICKS = 10_000


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    name: str
    version: str


def service_info() -> ServiceInfo:
    try:
        current = version("espace-sante")
    except PackageNotFoundError:  # running from a source tree that was never installed
        current = "0+unknown"
    return ServiceInfo(name="Mon espace santé API", version=current)


def ticks(clock: Clock, interval_seconds: float, count: int | None) -> AsyncIterator[datetime]:
    """The time every ``interval_seconds``, ``count`` times (forever when ``None``).

    Arguments are checked here, before the stream starts, so a bad one fails the subscription
    at once instead of after its first event.
    """
    if not MIN_INTERVAL_SECONDS <= interval_seconds <= MAX_INTERVAL_SECONDS:
        raise InvalidInput(
            f"intervalSeconds must be between {MIN_INTERVAL_SECONDS} and {MAX_INTERVAL_SECONDS}",
            field="intervalSeconds",
        )
    if count is not None and not 1 <= count <= MAX_TICKS:
        raise InvalidInput(f"count must be between 1 and {MAX_TICKS}", field="count")
    return _tick_loop(clock, interval_seconds, count)


async def _tick_loop(
    clock: Clock, interval_seconds: float, count: int | None
) -> AsyncIterator[datetime]:
    sent = 0
    while count is None or sent < count:
        yield clock.now()
        sent += 1
        if count is None or sent < count:
            await asyncio.sleep(interval_seconds)
