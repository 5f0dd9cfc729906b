"""Reading the access history (L1111-15): the patient (or their legal representative) and the
primary physician read every trace of the patient's record; every actor reads their own traces.
Newest first, by pages, filtered by actor and date. Reading it is itself traced.

The history shows nothing its reader may not see: the events about a document (or an agenda
event) hidden from the reader — held back from the patient, hidden from representatives — are
left out of what they read (list and total alike) for as long as it is hidden from them, and
appear once it is released or shown. They stay in the store, unchanged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resolvers.access.guard import open_patient
from resolvers.access.matrix import AccessMatrix
from resolvers.access.policy import Relation, Standing, document_filter
from resolvers.agenda.events import visibility
from resolvers.core.actors import Actor
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, InvalidInput
from resolvers.core.pagination import decode_cursor, page_size
from storage.audit import AccessEventDoc
from storage.repository import Page
from storage.stores import Stores

SORT_KEY = "at"


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    actor_id: str | None = None
    patient_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if self.actor_id is not None:
            query["actor.id"] = self.actor_id
        if self.patient_id is not None:
            query["patient_id"] = self.patient_id
        if self.since is not None or self.until is not None:
            if self.since and self.until and self.until < self.since:
                raise InvalidInput("until is before since", field="until")
            bounds: dict[str, datetime] = {}
            if self.since is not None:
                bounds["$gte"] = self.since
            if self.until is not None:
                bounds["$lte"] = self.until
            query["at"] = bounds
        return query


Counted = tuple[Page[AccessEventDoc], Callable[[], Awaitable[int]]]


async def _page(
    stores: Stores, query: dict[str, Any], first: int | None, after: str | None
) -> Counted:
    page = await stores.access_events.page(query, page_size(first), decode_cursor(after))

    async def count() -> int:
        return await stores.access_events.count(query)

    return page, count


async def of_patient(  # noqa: PLR0917 - a connection's arguments
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    filters: HistoryFilter,
    first: int | None,
    after: str | None,
    *,
    matrix: AccessMatrix,
) -> Counted:
    """Every trace of the patient's record the reader may see: for the holder side and the
    primary physician."""
    target = ("history", patient_id)
    _, standing = await open_patient(
        stores, clock, actor, patient_id, "history.read", target=target, trace_allowed=False
    )
    allowed = standing.relation in (Relation.HOLDER, Relation.REPRESENTATIVE) or (
        standing.relation is Relation.PROFESSIONAL and standing.primary_physician
    )
    await trace(
        stores, clock, actor, patient_id=patient_id, action="history.read", target=target,
        outcome="allowed" if allowed else "denied", emergency=standing.emergency,
    )  # fmt: skip
    if not allowed:
        raise Forbidden("Only the patient and their primary physician read the whole history.")
    query = {**filters.query(), "patient_id": patient_id}
    hidden = await _hidden_targets(stores, actor, standing, patient_id, matrix)
    if hidden:
        query["target_id"] = {"$nin": hidden}
    return await _page(stores, query, first, after)


async def _hidden_targets(
    stores: Stores, actor: Actor, standing: Standing, patient_id: str, matrix: AccessMatrix
) -> list[str]:
    """The ids of the patient's documents and agenda events hidden from this reader, whatever
    their status (a withdrawn document's protections still hold for its past events)."""
    readable = document_filter(standing, actor, matrix)
    hidden = await stores.documents.ids_where({"patient_id": patient_id, "$nor": [readable]})
    seen_events = visibility(standing, actor)
    if seen_events:
        hidden += await stores.agenda_events.ids_where(
            {"patient_id": patient_id, "$nor": [seen_events]}
        )
    return hidden


async def of_actor(
    stores: Stores, actor: Actor, filters: HistoryFilter, first: int | None, after: str | None
) -> Counted:
    """The traces of what ``actor`` did (whatever the filter says, never anyone else's). Not
    their refused attempts: one on a hidden patient or record would be there, and one on a
    missing id not, or under another patient, which would tell them apart."""
    query = {
        **filters.query(),
        "actor.id": actor.id,
        "actor.kind": actor.kind.value,
        "outcome": "allowed",
    }
    return await _page(stores, query, first, after)
