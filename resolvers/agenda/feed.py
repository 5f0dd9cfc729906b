"""The agenda as an iCalendar feed (RFC 5545) at a secret URL, for the patient's own calendar app.

The holder (or a legal representative) creates the feed, which answers a URL holding a random
secret (256 bits) shown once: only its SHA-256 is stored. Creating it again rotates the secret
(the old URL stops at once); revoking it ends it. The URL is the only credential, as calendar
apps cannot send tokens, so the feed carries only the agenda: titles, times, places and notes of
the events — no INS, no name, no document. A closed or suspended space serves no feed.

Each fetch is traced in the access history with the feed as the actor (kind ``feed``).
Recurring events keep their RRULE (the app expands them); times carry their TZID, with the
VTIMEZONE each zone needs.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from resolvers.access.guard import OPEN, open_patient
from resolvers.access.policy import Relation
from resolvers.core.actors import Actor
from resolvers.core.audit import author_of, trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden
from storage.agenda import EventDoc, FeedDoc
from storage.ids import new_id
from storage.profile import AuthorDoc
from storage.stores import Stores

PATH = "/agenda/feed/"
SUFFIX = ".ics"
MAX_EVENTS = 2000
PAST = timedelta(days=366)  # events over for longer than this are left out of the feed
HORIZON = timedelta(days=3653)
_SECRET = re.compile(r"^[A-Za-z0-9_-]{40,64}$")
HOLDER_SIDE = (Relation.HOLDER, Relation.REPRESENTATIVE)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CreatedFeed:
    url: str  # shown once: the service keeps only the hash of its secret
    feed: FeedDoc


async def _holder_side(  # noqa: PLR0917 - the access's facts
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, action: str, write: bool
) -> None:
    target = ("agenda_feed", patient_id)
    _, standing = await open_patient(
        stores, clock, actor, patient_id, action, write=write, target=target,
        trace_allowed=False,
    )  # fmt: skip
    allowed = standing.relation in HOLDER_SIDE
    await trace(stores, clock, actor, patient_id=patient_id, action=action, target=target,
                outcome="allowed" if allowed else "denied")  # fmt: skip
    if not allowed:
        raise Forbidden("Only the patient (or their legal representative) manages the feed.")


async def create_feed(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, *, base_url: str
) -> CreatedFeed:
    """A new secret feed URL for the patient's agenda; any previous one stops working."""
    await _holder_side(stores, clock, actor, patient_id, "agenda.feed_created", write=True)
    secret = secrets.token_urlsafe(32)
    doc: FeedDoc = {
        "_id": new_id(),
        "patient_id": patient_id,
        "token_hash": _hash(secret),
        "created_at": clock.now(),
        "created_by": await author_of(stores, actor),
        "last_fetched_at": None,
    }
    await stores.agenda_feeds.replace(doc)
    return CreatedFeed(f"{base_url}{PATH}{secret}{SUFFIX}", doc)


async def revoke_feed(stores: Stores, clock: Clock, actor: Actor, patient_id: str) -> bool:
    """End the feed; ``False`` when there was none."""
    await _holder_side(stores, clock, actor, patient_id, "agenda.feed_revoked", write=True)
    return await stores.agenda_feeds.revoke(patient_id)


async def feed_of(stores: Stores, clock: Clock, actor: Actor, patient_id: str) -> FeedDoc | None:
    await _holder_side(stores, clock, actor, patient_id, "agenda.feed_read", write=False)
    return await stores.agenda_feeds.of(patient_id)


def feed_actor(feed: FeedDoc) -> AuthorDoc:
    """The feed as the access history names it."""
    return {
        "kind": "feed",
        "id": feed["_id"],
        "client_id": "agenda-feed",
        "name": "Flux iCalendar de l'agenda",
    }


async def fetch_feed(stores: Stores, clock: Clock, secret: str, *, domain: str) -> bytes | None:
    """The calendar behind ``secret``; ``None`` for an unknown or revoked one, or a space that
    is not open (the caller answers 404 and nothing else)."""
    if not _SECRET.match(secret):
        return None
    feed = await stores.agenda_feeds.by_token_hash(_hash(secret))
    if feed is None:
        return None
    patient = await stores.patients.get(feed["patient_id"])
    if patient is None or patient["space"]["status"] not in OPEN:
        return None
    now = clock.now()
    query: dict[str, Any] = {
        "patient_id": feed["patient_id"],
        "status": "active",
        "$or": [{"series_end": None}, {"series_end": {"$gte": now - PAST}}],
    }
    events = await stores.agenda_events.matching(query, MAX_EVENTS, latest_first=True)
    await trace(stores, clock, feed_actor(feed), patient_id=feed["patient_id"],
                action="agenda.feed_fetched", target=("agenda", feed["patient_id"]))  # fmt: skip
    await stores.agenda_feeds.fetched(feed["_id"], now)
    return render(events, domain=domain, now=now)


def _feed_rule(doc: EventDoc, tz: ZoneInfo) -> vRecur:
    """The stored RRULE; for an all-day event UNTIL becomes a DATE, as RFC 5545 asks when
    DTSTART is one."""
    rule: vRecur = vRecur.from_ical(doc["rrule"] or "")
    if doc["all_day"] and "UNTIL" in rule:
        until = rule["UNTIL"][0]
        if isinstance(until, datetime):
            rule["UNTIL"] = [until.astimezone(tz).date()]
    return rule


def _times(doc: EventDoc, tz: ZoneInfo, value: datetime) -> date | datetime:
    local = value.astimezone(tz)
    return local.date() if doc["all_day"] else local


def vevent(doc: EventDoc, *, domain: str) -> Event:
    """One event, its UID stable across fetches and changes (SEQUENCE says which version)."""
    tz = ZoneInfo(doc["time_zone"])
    event = Event()
    event.add("uid", f"{doc['_id']}@{domain}")
    event.add("dtstamp", doc["updated_at"].astimezone(UTC))
    event.add("created", doc["created_at"].astimezone(UTC))
    event.add("last-modified", doc["updated_at"].astimezone(UTC))
    event.add("sequence", doc["sequence"])
    event.add("summary", doc["title"])
    event.add("categories", [doc["kind"].upper()])
    event.add("dtstart", _times(doc, tz, doc["start"]))
    if doc["end"] > doc["start"]:
        event.add("dtend", _times(doc, tz, doc["end"]))
    if doc["notes"]:
        event.add("description", doc["notes"])
    if doc["location"]:
        event.add("location", doc["location"])
    if doc["rrule"]:
        event.add("rrule", _feed_rule(doc, tz))
        if doc["exdates"]:
            event.add("exdate", [_times(doc, tz, value) for value in doc["exdates"]])
    event.add("status", "CONFIRMED")
    return event


def render(events: list[EventDoc], *, domain: str, now: datetime) -> bytes:
    """The feed's text/calendar body. Its VTIMEZONEs cover the events' first starts to ten
    years after ``now`` (calendar apps know the zones by their TZID anyway)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Mon espace santé//Agenda//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Mon espace santé")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for doc in events:
        calendar.add_component(vevent(doc, domain=domain))
    first = min([doc["start"] for doc in events] + [now]).date() - timedelta(days=1)
    calendar.add_missing_timezones(first_date=first, last_date=now.date() + HORIZON)
    return bytes(calendar.to_ical())
