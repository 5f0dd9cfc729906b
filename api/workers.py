"""Background work inside ``serve``: due transitions, emails, provisioning batches.

Every loop is safe to run on every replica at once: each item is claimed atomically (or under a
lease) before it is worked on. A loop that fails logs and tries again at its next turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

import structlog

from api.mail import SmtpSender
from api.services import Services
from resolvers.provisioning.batches import run_batch, runner_id
from resolvers.spaces import news as patient_news
from resolvers.spaces import notifications
from resolvers.spaces.due import run_due
from storage.errors import StoreUnavailable

log = structlog.get_logger("espace_sante.workers")
EMAIL_INTERVAL_SECONDS = 5.0
PROVISIONING_INTERVAL_SECONDS = 2.0


async def _every(name: str, seconds: float, work: Callable[[], Awaitable[object]]) -> None:
    while True:
        try:
            done = await work()
            if done:
                log.info("worker.done", worker=name, result=str(done))
        except StoreUnavailable as error:  # an outage: no stack trace, the next round retries
            log.warning("worker.store_unavailable", worker=name, store=error.store)
        except Exception:  # right here: one failed round must not stop the loop for good
            log.exception("worker.failed", worker=name)
        await asyncio.sleep(seconds)


def worker_loops(services: Services) -> list[Callable[[], Coroutine[Any, Any, None]]]:
    settings = services.settings
    sender = SmtpSender(settings)
    owner = runner_id()
    lease = timedelta(seconds=settings.provisioning_lease_seconds)

    async def due() -> object:
        report = await run_due(services.running.stores, services.clock)
        return {k: v for k, v in report.counts.items() if v}

    async def emails() -> object:
        return await notifications.send_emails(services.running.stores, services.clock, sender)

    async def news() -> object:
        return await patient_news.send_news(
            services.running.stores, services.clock, sender,
            window=timedelta(seconds=settings.notification_batch_seconds),
            base_url=settings.public_base_url,
        )  # fmt: skip

    async def provisioning() -> object:
        result = await run_batch(services.running.stores, services.clock, owner=owner, lease=lease)
        return None if result.batch is None else result.batch["_id"]

    interval = settings.due_interval_seconds
    return [
        lambda: _every("due", interval, due),
        lambda: _every("emails", min(interval, EMAIL_INTERVAL_SECONDS), emails),
        lambda: _every("news", min(interval, EMAIL_INTERVAL_SECONDS), news),
        lambda: _every("provisioning", min(interval, PROVISIONING_INTERVAL_SECONDS), provisioning),
    ]
