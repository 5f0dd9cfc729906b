"""A professional's patients: those whose care team they belong to, and those they reached
recently (a consent given, an emergency access declared, within ``RECENT``).

Never listed, whatever the route: a patient who blocked the professional, one who objected to
the care team's deemed authorisation, and objected or deleted spaces (filtered in the query
itself, so pages and totals never hold them). Listed with the space's state and why, by id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from resolvers.access.lookup import STATES, SpaceState
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden
from resolvers.core.pagination import decode_cursor, page_size
from storage.patients import PatientDoc
from storage.stores import Stores

RECENT = timedelta(days=90)  # "reached recently": a consent or an emergency this recent


class ListedBecause(StrEnum):
    PRIMARY_PHYSICIAN = "PRIMARY_PHYSICIAN"
    CARE_TEAM = "CARE_TEAM"
    CONSENT = "CONSENT"
    EMERGENCY = "EMERGENCY"


@dataclass(frozen=True, slots=True)
class MyPatient:
    doc: PatientDoc
    state: SpaceState
    because: tuple[ListedBecause, ...]


@dataclass(frozen=True, slots=True)
class MyPatients:
    items: list[MyPatient]
    docs: list[PatientDoc]
    has_next: bool
    count: Callable[[], Awaitable[int]]


async def _routes(stores: Stores, clock: Clock, actor: Actor) -> dict[str, set[ListedBecause]]:
    since = clock.now() - RECENT
    teams, consents, emergencies, blocked = await asyncio.gather(
        stores.profile_entries.care_teams_of(actor.id),
        stores.authorisations.consents_of(actor.id, since),
        stores.emergency_accesses.declared_by(actor.id, since),
        stores.authorisations.blocked_for(actor.id),
    )
    routes: dict[str, set[ListedBecause]] = {}
    for patient_id, role in teams.items():
        primary = role == "primary_physician"
        routes.setdefault(patient_id, set()).add(
            ListedBecause.PRIMARY_PHYSICIAN if primary else ListedBecause.CARE_TEAM
        )
    for patient_id in consents:
        routes.setdefault(patient_id, set()).add(ListedBecause.CONSENT)
    for patient_id in emergencies:
        routes.setdefault(patient_id, set()).add(ListedBecause.EMERGENCY)
    for patient_id in blocked:  # a block wins over every route
        routes.pop(patient_id, None)
    return routes


async def my_patients(
    stores: Stores, clock: Clock, actor: Actor, first: int | None, after: str | None
) -> MyPatients:
    """One page of the professional's patients, by id."""
    if actor.kind is not ActorKind.PROFESSIONAL:
        raise Forbidden("Only a health professional has patients.")
    size = page_size(first)
    routes = await _routes(stores, clock, actor)
    ids = sorted(routes)
    page = await stores.patients.page_listed(ids, size, decode_cursor(after))
    items = [
        MyPatient(doc, STATES[doc["space"]["status"]], tuple(sorted(routes[doc["_id"]])))
        for doc in page.items
    ]

    async def count() -> int:
        return await stores.patients.count_listed(ids)

    return MyPatients(items, page.items, page.has_next, count)
