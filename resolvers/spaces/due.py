"""Transitions that happen because time passed: ``espace-sante run-due``, or the service's loop.

Each transition claims one item at a time with a single conditional update, so running this
twice at once (two replicas, or a loop and a command) never does anything twice: the second
claim of an item finds it already moved on. Running it again later does nothing more.
Later rules add their own steps to ``STEPS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from resolvers.core.clock import Clock
from resolvers.documents.lifecycle import (
    purge_archived,
    release_held_documents,
    tell_patients_of_held_documents,
)
from resolvers.documents.reconcile import ReconcileReport, abandoned_uploads
from resolvers.spaces._purge import purge_patient
from resolvers.spaces.lifecycle import ARCHIVE_PERIOD, notice
from resolvers.spaces.notifications import enqueue_pending
from storage.stores import Stores

MAX_PER_STEP = 10_000


@dataclass
class DueReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, step: str, count: int) -> None:
        self.counts[step] = self.counts.get(step, 0) + count


async def _repeat(
    stores: Stores,
    clock: Clock,
    due: Callable[[datetime], dict[str, Any]],
    claim: Callable[[dict[str, Any], datetime], Awaitable[bool]],
) -> int:
    """Claim due items one at a time until none is left. A claim can miss while items remain
    (another replica took the one it aimed at): then look again rather than stop."""
    done = 0
    while done < MAX_PER_STEP:
        now = clock.now()
        query = due(now)
        if await claim(query, now):
            done += 1
        elif not await stores.patients.exists(query):
            break
    return done


async def open_due_spaces(stores: Stores, clock: Clock) -> int:
    """Spaces whose opening date has come, and nobody objected: open, and send a code."""

    def due(now: datetime) -> dict[str, Any]:
        return {
            "space.status": "provisioned",
            "space.opening_date": {"$lte": now.date().isoformat()},
        }

    async def claim(query: dict[str, Any], now: datetime) -> bool:
        return (
            await stores.patients.transition(
                query,
                {"space.status": "open", "space.opened_at": now},
                now,
                [notice("activation-code")],
            )
            is not None
        )

    return await _repeat(stores, clock, due, claim)


async def close_expired_suspensions(stores: Stores, clock: Clock) -> int:
    """Suspended for fraud six weeks ago and not contested: closed."""

    def due(now: datetime) -> dict[str, Any]:
        return {"space.status": "suspended", "space.suspension_deadline": {"$lte": now}}

    async def claim(query: dict[str, Any], now: datetime) -> bool:
        return (
            await stores.patients.transition(
                query,
                {
                    "space.status": "closed",
                    "space.closed_at": now,
                    "space.closed_reason": "fraud",
                    "space.archive_until": now + ARCHIVE_PERIOD,
                },
                now,
                [notice("space-closed")],
            )
            is not None
        )

    return await _repeat(stores, clock, due, claim)


async def delete_due_spaces(stores: Stores, clock: Clock) -> int:
    """Deletion requested (and not cancelled) or archive period over: purged."""

    def due(now: datetime) -> dict[str, Any]:
        return {
            "space.status": "closed",
            "$or": [
                {"space.deletion_due_at": {"$lte": now}},
                {"space.archive_until": {"$lte": now}},
            ],
        }

    async def claim(query: dict[str, Any], now: datetime) -> bool:
        patient = await stores.patients.transition(
            query, {"space.status": "deleted", "space.deleted_at": now}, now
        )
        if patient is None:
            return False
        await purge_patient(stores, clock, patient["_id"])
        return True

    return await _repeat(stores, clock, due, claim)


async def finish_interrupted_purges(stores: Stores, clock: Clock) -> int:
    """A purge cut short (the process died) is done again: every purge step is idempotent."""
    unfinished = await stores.patients.deleted_not_purged(limit=1000)
    for patient_id in unfinished:
        await purge_patient(stores, clock, patient_id)
    return len(unfinished)


async def abandon_expired_uploads(stores: Stores, clock: Clock) -> int:
    """Uploads requested and never confirmed: bytes and pending record removed."""
    report = ReconcileReport()
    await abandoned_uploads(stores, clock, report)
    return report.abandoned_uploads + report.finished_versions


Step = Callable[[Stores, Clock], Awaitable[int]]
STEPS: list[tuple[str, Step]] = [
    ("opened", open_due_spaces),
    ("suspensions_closed", close_expired_suspensions),
    ("deleted", delete_due_spaces),
    ("purges_finished", finish_interrupted_purges),
    ("documents_patient_told", tell_patients_of_held_documents),
    ("documents_released", release_held_documents),
    ("documents_purged", purge_archived),
    ("uploads_abandoned", abandon_expired_uploads),
    ("notifications_queued", enqueue_pending),
]


async def run_due(stores: Stores, clock: Clock) -> DueReport:
    report = DueReport()
    for name, step in STEPS:
        report.add(name, await step(stores, clock))
    return report
