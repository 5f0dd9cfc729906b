"""The agenda (R1111-27 5°b): events added by the patient, professionals (for themselves or for
their place of practice), and paired apps, each keeping its author.

Everyone the access policy lets into the record reads the agenda and adds events to it (the
space must be open). Only an event's author — or the holder (or their legal representative) —
changes or cancels it; an app is the same author only through the same OAuth client. The holder
side may hide an event from professionals: then only its author, the primary physician, those
granted the right to hidden documents and emergency accesses see it among professionals.
Every read and write is traced in the access history, refusals included.
"""

from __future__ import annotations

import heapq
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from resolvers.access.authorship import may_lift, same_author
from resolvers.access.guard import UNKNOWN, as_if_hidden, open_patient
from resolvers.access.policy import Relation, Standing
from resolvers.agenda.recurrence import Occurrence, Series, zone
from resolvers.agenda.rules import (
    MAX_LOCATION,
    MAX_NOTES,
    MAX_TITLE,
    EventInput,
    instant,
    kind,
    text,
    timing,
)
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import author_of, trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from resolvers.core.pagination import decode_cursor, page_size
from storage.agenda import EventAuthorDoc, EventDoc, EventFields
from storage.ids import new_id
from storage.stores import Stores

HIDDEN_EVENT = "No agenda event with this id is visible to you."
HOLDER_SIDE = (Relation.HOLDER, Relation.REPRESENTATIVE)
MAX_RANGE = timedelta(days=366)
MAX_EVENTS = 5000  # active events of one patient
MAX_EVENTS_IN_RANGE = 2000
MAX_OCCURRENCES = 20_000  # in one range query


def is_author(actor: Actor, author: EventAuthorDoc) -> bool:
    return same_author(actor, author)


def visibility(standing: Standing, actor: Actor) -> dict[str, Any]:
    """The part of a query on one patient's events that keeps what ``standing`` sees."""
    if standing.relation is not Relation.PROFESSIONAL or standing.sees_hidden:
        return {}
    mine = {"author.kind": "professional", "author.id": actor.id}
    return {"$or": [{"hidden_from_professionals": False}, mine]}


def _visible(standing: Standing, actor: Actor, doc: EventDoc) -> bool:
    if not visibility(standing, actor):
        return True
    return not doc["hidden_from_professionals"] or is_author(actor, doc["author"])


async def event_author(stores: Stores, actor: Actor, *, for_practice: bool) -> EventAuthorDoc:
    """The actor as the event's author; ``for_practice``: on behalf of their place of practice
    (how an establishment's events come in)."""
    base = await author_of(stores, actor)
    organisation = None
    if for_practice:
        if actor.kind is not ActorKind.PROFESSIONAL:
            raise InvalidInput("only a professional adds an event for their place of practice",
                               field="forPractice")  # fmt: skip
        pro = await stores.professionals.get(actor.id)
        practice = pro["practice"] if pro else None
        if practice is None:
            raise InvalidInput("the directory has no place of practice for you",
                               field="forPractice")  # fmt: skip
        organisation = f"{practice['name']} ({practice['city']})"
    return {**base, "organisation": organisation}


def _fields(given: EventInput) -> EventFields:
    """The stored fields ``given`` describes, each checked (the author apart)."""
    when = timing(given)
    title = text(given.title, "title", MAX_TITLE, required=True)
    assert title is not None  # noqa: S101 - required
    return {
        "kind": kind(given.kind),
        "title": title,
        "notes": text(given.notes, "notes", MAX_NOTES),
        "location": text(given.location, "location", MAX_LOCATION),
        "start": when.start,
        "end": when.end,
        "time_zone": when.time_zone,
        "all_day": when.all_day,
        "rrule": when.rrule,
        "exdates": when.exdates,
        "series_end": when.series_end,
        "hidden_from_professionals": given.hidden_from_professionals,
    }


def _may_hide(standing: Standing, hidden: bool) -> None:
    if hidden and standing.relation not in HOLDER_SIDE:
        raise Forbidden("Only the patient hides an event from professionals.",
                        field="hiddenFromProfessionals")  # fmt: skip


async def add_event(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    given: EventInput,
    *,
    forecast_entry: str | None = None,
) -> EventDoc:
    """A new event in the patient's agenda, its author the actor."""
    event_id = new_id()
    target = ("agenda_event", event_id)
    _, standing = await open_patient(
        stores, clock, actor, patient_id, "agenda.event_added", write=True, target=target,
        trace_allowed=False,
    )  # fmt: skip
    _may_hide(standing, given.hidden_from_professionals)
    fields = _fields(given)
    if await stores.agenda_events.count({"patient_id": patient_id, "status": "active"}) >= (
        MAX_EVENTS
    ):
        raise Conflict(f"The agenda holds at most {MAX_EVENTS} events: cancel some first.")
    author, now = await event_author(stores, actor, for_practice=given.for_practice), clock.now()
    doc: EventDoc = {
        "_id": event_id, "patient_id": patient_id, **fields,
        "hidden_by": author if fields["hidden_from_professionals"] else None,
        "forecast_entry": forecast_entry, "author": author, "updated_by": author,
        "created_at": now, "updated_at": now, "sequence": 0, "status": "active",
        "cancelled_at": None,
    }  # fmt: skip
    await stores.agenda_events.insert(doc)
    await trace(stores, clock, author, patient_id=patient_id, action="agenda.event_added",
                target=target, emergency=standing.emergency)  # fmt: skip
    return doc


async def open_event(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    event_id: str,
    action: str,
    *,
    write: bool = False,
    trace_allowed: bool = True,
) -> tuple[EventDoc, Standing]:
    """An event the actor sees, the access traced as ``action`` (refusals: ``NotFound``)."""
    doc = await stores.agenda_events.get(event_id)
    target = ("agenda_event", event_id)
    if doc is None:
        await stores.patients.get(event_id)  # the lookup of the event's patient
        await as_if_hidden(stores, clock, actor, UNKNOWN, action, target)
        raise NotFound(HIDDEN_EVENT, field="eventId")
    try:
        _, standing = await open_patient(
            stores, clock, actor, doc["patient_id"], action, write=write, target=target,
            trace_allowed=False,
        )  # fmt: skip
    except NotFound:
        raise NotFound(HIDDEN_EVENT, field="eventId") from None
    seen = _visible(standing, actor, doc)
    if trace_allowed or not seen:
        await trace(
            stores, clock, actor, patient_id=doc["patient_id"], action=action, target=target,
            outcome="allowed" if seen else "denied", emergency=standing.emergency,
        )  # fmt: skip
    if not seen:
        raise NotFound(HIDDEN_EVENT, field="eventId")
    return doc, standing


async def _changeable(
    stores: Stores, clock: Clock, actor: Actor, event_id: str, action: str
) -> tuple[EventDoc, Standing]:
    """An active event the actor may change: its author, or the holder side."""
    doc, standing = await open_event(
        stores, clock, actor, event_id, action, write=True, trace_allowed=False
    )
    allowed = standing.relation in HOLDER_SIDE or is_author(actor, doc["author"])
    if not allowed:
        await trace(
            stores, clock, actor, patient_id=doc["patient_id"], action=action,
            target=("agenda_event", event_id), outcome="denied", emergency=standing.emergency,
        )  # fmt: skip
        raise Forbidden("Only its author or the patient changes or cancels an event.")
    if doc["status"] != "active":
        raise Conflict("This event is cancelled.", field="eventId")
    return doc, standing


async def _save(
    stores: Stores, clock: Clock, actor: Actor, doc: EventDoc, changes: Mapping[str, object], *,
    action: str, standing: Standing,
) -> EventDoc:  # fmt: skip
    by = await event_author(stores, actor, for_practice=False)
    updated = await stores.agenda_events.update_active(
        doc["_id"], {**changes, "updated_by": by, "updated_at": clock.now()}
    )
    if updated is None:  # cancelled meanwhile
        raise Conflict("This event is cancelled.", field="eventId")
    await trace(stores, clock, by, patient_id=doc["patient_id"], action=action,
                target=("agenda_event", doc["_id"]), emergency=standing.emergency)  # fmt: skip
    return updated


async def change_event(
    stores: Stores, clock: Clock, actor: Actor, event_id: str, given: EventInput
) -> EventDoc:
    """Replace the event's fields (its author and origin stay)."""
    action = "agenda.event_changed"
    doc, standing = await _changeable(stores, clock, actor, event_id, action)
    if given.for_practice:
        raise InvalidInput("an event's author does not change", field="forPractice")
    fields = await _kept_hidden(stores, actor, doc, standing, _fields(given))
    return await _save(stores, clock, actor, doc, fields, action=action, standing=standing)


async def _kept_hidden(
    stores: Stores, actor: Actor, doc: EventDoc, standing: Standing, fields: EventFields
) -> dict[str, Any]:
    """The changed fields, with the patient's masking kept: an event hidden from professionals
    shows again only when whoever hid it (or the holder) says so; another author's, app's or
    professional's change leaves it hidden, whatever their input says."""
    hidden, was = fields["hidden_from_professionals"], doc["hidden_from_professionals"]
    if hidden and not was:
        _may_hide(standing, hidden)
        return {**fields, "hidden_by": await event_author(stores, actor, for_practice=False)}
    if was and not hidden and not may_lift(actor, doc["patient_id"], doc.get("hidden_by")):
        return {**fields, "hidden_from_professionals": True}
    if not hidden:
        return {**fields, "hidden_by": None}
    return dict(fields)


async def cancel_event(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    event_id: str,
    occurrence_start: datetime | None = None,
) -> EventDoc:
    """Cancel the event, or (``occurrence_start``) one occurrence of a recurring event: it
    becomes an exception (EXDATE) of the rule."""
    if occurrence_start is None:
        action = "agenda.event_cancelled"
        doc, standing = await _changeable(stores, clock, actor, event_id, action)
        changes: dict[str, Any] = {"status": "cancelled", "cancelled_at": clock.now()}
        return await _save(stores, clock, actor, doc, changes, action=action, standing=standing)
    action = "agenda.occurrence_cancelled"
    doc, standing = await _changeable(stores, clock, actor, event_id, action)
    if doc["rrule"] is None:
        raise InvalidInput("a single event has no occurrences: cancel the event",
                           field="occurrenceStart")  # fmt: skip
    at = instant(occurrence_start, zone(doc["time_zone"]), "occurrenceStart")
    if not series_of(doc).has_occurrence(at):
        raise InvalidInput(f"{at.isoformat()} is not the start of an occurrence",
                           field="occurrenceStart")  # fmt: skip
    exdates = sorted({*doc["exdates"], at})
    return await _save(stores, clock, actor, doc, {"exdates": exdates}, action=action,
                       standing=standing)  # fmt: skip


async def get_event(stores: Stores, clock: Clock, actor: Actor, event_id: str) -> EventDoc:
    doc, _ = await open_event(stores, clock, actor, event_id, "agenda.event_read")
    return doc


def series_of(doc: EventDoc) -> Series:
    return Series.of(
        doc["start"], doc["end"], doc["time_zone"], doc["all_day"], doc["rrule"], doc["exdates"]
    )


@dataclass(frozen=True, slots=True)
class Found:
    """One occurrence of an event, in a range."""

    event: EventDoc
    occurrence: Occurrence

    @property
    def key(self) -> tuple[datetime, str]:
        return self.occurrence.start, self.event["_id"]


def _range(since: datetime, until: datetime) -> None:
    for name, value in (("from", since), ("to", until)):
        if value.tzinfo is None:
            raise InvalidInput(f"{name} needs an offset (or Z)", field=name)
    if until <= since:
        raise InvalidInput("to is not after from", field="to")
    if until - since > MAX_RANGE:
        raise InvalidInput(f"a range spans at most {MAX_RANGE.days} days", field="to")


def _found(doc: EventDoc, since: datetime, until: datetime) -> Iterator[Found]:
    for occurrence in series_of(doc).occurrences(since, until):
        yield Found(doc, occurrence)


def _merged(
    events: Iterable[EventDoc], since: datetime, until: datetime, after: tuple[datetime, str]
) -> Iterator[Found]:
    """Every occurrence in range, after the cursor ``after``, ordered by (start, event id)."""
    streams = [_found(doc, since, until) for doc in events]
    return (found for found in heapq.merge(*streams, key=lambda f: f.key) if found.key > after)


Counted = tuple[list[Found], bool, Callable[[], Awaitable[int]]]


async def occurrences(  # noqa: PLR0917 - a connection's arguments
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    since: datetime,
    until: datetime,
    kinds: list[str] | None,
    *,
    first: int | None,
    after: str | None,
) -> Counted:
    """Occurrences that overlap [since, until) in start order, a page of them, and how to
    count them all. Recurring events are expanded here, in their own time zone."""
    size, cursor = page_size(first), decode_cursor(after)
    _range(since, until)
    if cursor is not None and not isinstance(cursor.value, datetime):
        raise InvalidInput("this cursor is not one the API gave", field="after")
    _, standing = await open_patient(
        stores, clock, actor, patient_id, "agenda.listed", target=("agenda", patient_id)
    )
    query: dict[str, Any] = {
        "$and": [
            stores.agenda_events.range_filter(patient_id, since, until),
            visibility(standing, actor),
        ]
    }
    if kinds:
        query["kind"] = {"$in": [kind(value) for value in kinds]}
    events = await stores.agenda_events.matching(query, MAX_EVENTS_IN_RANGE + 1)
    if len(events) > MAX_EVENTS_IN_RANGE:
        raise InvalidInput("too many events in this range: narrow it", field="to")
    origin = (since - MAX_RANGE, "")  # before any occurrence of the range
    start = (cursor.value, cursor.id) if cursor else origin
    page = list(islice(_merged(events, since, until, start), size + 1))

    async def count() -> int:
        every = _merged(events, since, until, origin)
        total = sum(1 for _ in islice(every, MAX_OCCURRENCES + 1))
        if total > MAX_OCCURRENCES:
            raise InvalidInput(f"more than {MAX_OCCURRENCES} occurrences: narrow the range",
                               field="to")  # fmt: skip
        return total

    return page[:size], len(page) > size, count
