"""One load run from start to verdict: the people it needs, the server process, the workload,
the count. Shared by ``make load`` (``python -m tests.load``) and the short run in the suite."""

from __future__ import annotations

import asyncio
import statistics
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from api.settings import Settings
from api.stores_config import open_stores
from resolvers.core.actors import ActorKind
from tests.live import api_process, mint, seed
from tests.load.workload import (
    PATIENT_SCOPES,
    PROFESSIONAL_SCOPES,
    Ledger,
    Persona,
    count_stored,
    run,
    verify,
)
from tests.spaces_support import make_patient
from tests.support import FakeClock

LEFEVRE_RPPS = "10001234565"
# The rate limiter stays on (its counters are part of the load) with budgets above the load.
SERVER_ENV = {
    "RATE_LIMIT_PER_PERSON": "1000000",
    "RATE_LIMIT_PER_CLIENT": "1000000",
    "RATE_LIMIT_PER_ANONYMOUS_IP": "1000000",
}


@dataclass
class Outcome:
    ledger: Ledger
    failures: list[str]
    seconds: float
    stored: dict[str, int]

    def summary(self) -> str:
        ledger = self.ledger
        requests = sum(ledger.statuses.values())
        latencies = sorted(ledger.latencies) or [0.0]
        p95 = latencies[int(len(latencies) * 0.95) - 1] if len(latencies) > 1 else latencies[0]
        acked = {kind: len(markers) for kind, markers in ledger.acked.items()}
        unanswered = sum(len(markers) for markers in ledger.unanswered.values())
        return (
            f"{requests} requests in {self.seconds:.0f} s ({requests / self.seconds:.0f}/s), "
            f"statuses {dict(sorted(ledger.statuses.items()))}, "
            f"latency median {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms; acknowledged writes {acked} "
            f"(stored {self.stored}), unanswered {unanswered}; "
            f"{'OK' if not self.failures else f'{len(self.failures)} FAILURES'}"
        )


async def personas(settings: Settings, clients: int) -> list[Persona]:
    """A patient of its own per client (active space), and tokens for them and Dr Lefèvre."""
    await seed(settings)
    stores = open_stores(settings)
    try:
        clock = FakeClock(datetime.now(UTC))
        patients = [await make_patient(stores, clock, 500 + i, "active") for i in range(clients)]
    finally:
        await stores.close()
    professional = await mint(settings, ActorKind.PROFESSIONAL, LEFEVRE_RPPS, PROFESSIONAL_SCOPES)
    return [
        Persona(
            patient_id=patient["_id"],
            patient_token=await mint(
                settings, ActorKind.PATIENT, patient["ins"]["matricule"], PATIENT_SCOPES
            ),
            professional_token=professional,
        )
        for patient in patients
    ]


def load_run(settings: Settings, *, seconds: float, clients: int, log: Path) -> Outcome:
    """Serve, load for ``seconds`` with ``clients`` clients, stop, count."""
    people = asyncio.run(personas(settings, clients))
    run_id = uuid.uuid4().hex[:8]
    with api_process(settings, env=SERVER_ENV, log=log) as url:
        ledger = asyncio.run(run(url, people, seconds, run_id))
    stored = count_stored(settings, [p.patient_id for p in people])
    failures = verify(ledger, stored)
    totals = {kind: sum(counts.values()) for kind, counts in stored.items()}
    return Outcome(ledger, failures, seconds, totals)
