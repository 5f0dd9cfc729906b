"""The agenda: events, the patient's agenda choices, and the secret iCalendar feeds.

- ``agenda_events``: one document per event (a recurring one included: its occurrences are
  computed on query, never stored). Instants are stored in UTC beside the IANA zone the event was
  entered in, which recurrence is computed in. ``series_end`` bounds the last occurrence's end
  (``None``: the rule never ends) so a range query is two index comparisons.
- ``agenda_preferences``: per patient, the prevention categories switched off and the forecast
  entries dismissed. No document: nothing switched off, nothing dismissed.
- ``agenda_feeds``: per patient, at most one secret feed URL; only the SHA-256 of its secret is
  kept, so a copy of the database gives no working URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from storage.profile import AuthorDoc
from storage.repository import Repository

EventStatus = Literal["active", "cancelled"]


class EventAuthorDoc(AuthorDoc):
    """Who added the event, and the place of practice (an establishment) they added it for."""

    organisation: str | None


class EventFields(TypedDict):
    """What an event's author (or the holder) sets, and changes."""

    kind: str  # appointment, reminder, vaccination, examination, dental, other
    title: str
    notes: str | None
    location: str | None
    start: datetime  # UTC: the first occurrence's start
    end: datetime  # UTC: the first occurrence's end (== start for a point in time)
    time_zone: str  # IANA zone the event was entered in; recurrence is computed there
    all_day: bool
    rrule: str | None  # RFC 5545 RRULE value, normalised (UNTIL in UTC)
    exdates: list[datetime]  # UTC starts of cancelled occurrences (EXDATE)
    series_end: datetime | None  # upper bound of the last occurrence's end; None: endless
    hidden_from_professionals: bool


class EventDoc(EventFields):
    _id: str
    patient_id: str
    forecast_entry: str | None  # the forecast-calendar entry it was accepted from
    author: EventAuthorDoc
    # who hid it from professionals (only they, or the holder, show it); absent on older events
    hidden_by: NotRequired[EventAuthorDoc | None]
    updated_by: EventAuthorDoc
    created_at: datetime
    updated_at: datetime
    sequence: int  # RFC 5545 SEQUENCE: bumped at each change, so subscribed calendars update
    status: EventStatus
    cancelled_at: datetime | None


class AgendaEventRepository(Repository[EventDoc]):
    name = "agenda_events"
    indexes = (
        IndexModel(
            [("patient_id", ASCENDING), ("status", ASCENDING), ("start", ASCENDING)],
            name="patient_range",
        ),
        IndexModel(
            [("patient_id", ASCENDING), ("forecast_entry", ASCENDING)], name="patient_forecast"
        ),
    )

    def range_filter(self, patient_id: str, since: datetime, until: datetime) -> dict[str, Any]:
        """Active events of the patient with an occurrence that may overlap [since, until)."""
        return {
            "patient_id": patient_id,
            "status": "active",
            "start": {"$lt": until},
            "$or": [{"series_end": None}, {"series_end": {"$gte": since}}],
        }

    async def matching(
        self, query: Mapping[str, Any], limit: int, *, latest_first: bool = False
    ) -> list[EventDoc]:
        """Events by start (``latest_first``: the latest ones, when ``limit`` cuts)."""
        direction = DESCENDING if latest_first else ASCENDING
        cursor = self.collection.find(query).sort([("start", direction), ("_id", direction)])
        return await cursor.to_list(limit)

    async def update_active(
        self, event_id: str, changes: Mapping[str, Any], *, inc_sequence: bool = True
    ) -> EventDoc | None:
        """Apply ``changes`` to an active event; ``None`` when it is gone or cancelled."""
        update: dict[str, Any] = {"$set": dict(changes)}
        if inc_sequence:
            update["$inc"] = {"sequence": 1}
        return await self.collection.find_one_and_update(
            {"_id": event_id, "status": "active"}, update, return_document=ReturnDocument.AFTER
        )

    async def accepted_entries(self, patient_id: str) -> dict[str, str]:
        """Forecast entry id -> the id of the active event it was accepted as."""
        cursor = self.collection.find(
            {"patient_id": patient_id, "forecast_entry": {"$type": "string"}, "status": "active"},
            {"forecast_entry": 1},
        )
        return {str(doc["forecast_entry"]): doc["_id"] async for doc in cursor}


class PreferencesDoc(TypedDict):
    _id: str  # the patient id
    prevention_off: list[str]  # categories switched off
    dismissed: list[str]  # forecast entry ids dismissed
    updated_at: datetime | None


class AgendaPreferencesRepository(Repository[PreferencesDoc]):
    name = "agenda_preferences"

    async def of(self, patient_id: str) -> PreferencesDoc:
        found = await self.get(patient_id)
        if found is None:
            return {
                "_id": patient_id,
                "prevention_off": [],
                "dismissed": [],
                "updated_at": None,
            }
        return found

    async def change(
        self,
        patient_id: str,
        now: datetime,
        *,
        add: Mapping[str, list[str]] | None = None,
        remove: Mapping[str, list[str]] | None = None,
    ) -> PreferencesDoc:
        """Add values to and remove values from the lists (each change atomic)."""
        empty = {"prevention_off": [], "dismissed": [], "updated_at": now}
        await self.collection.update_one(
            {"_id": patient_id}, {"$setOnInsert": empty}, upsert=True
        )  # first, so that both lists exist whatever the change
        update: dict[str, Any] = {"$set": {"updated_at": now}}
        adding = {key: values for key, values in (add or {}).items() if values}
        removing = {key: values for key, values in (remove or {}).items() if values}
        if adding:
            update["$addToSet"] = {key: {"$each": values} for key, values in adding.items()}
        if removing:
            update["$pullAll"] = removing
        doc = await self.collection.find_one_and_update(
            {"_id": patient_id}, update, return_document=ReturnDocument.AFTER
        )
        assert doc is not None  # noqa: S101 - upserted above
        return doc


class FeedDoc(TypedDict):
    _id: str  # the feed id, traced as the actor of each fetch
    patient_id: str
    token_hash: str  # SHA-256 (hex) of the secret in the URL
    created_at: datetime
    created_by: AuthorDoc
    last_fetched_at: datetime | None


class AgendaFeedRepository(Repository[FeedDoc]):
    name = "agenda_feeds"
    indexes = (
        IndexModel([("patient_id", ASCENDING)], name="patient_unique", unique=True),
        IndexModel([("token_hash", ASCENDING)], name="token_unique", unique=True),
    )

    async def of(self, patient_id: str) -> FeedDoc | None:
        return await self.collection.find_one({"patient_id": patient_id})

    async def replace(self, doc: FeedDoc) -> None:
        """The patient's feed becomes ``doc``: the previous secret stops working at once.

        A feed has a new id at each rotation (the history tells the URLs apart); a concurrent
        rotation that inserted first is replaced in turn (unique index on the patient)."""
        for attempt in range(2):
            await self.collection.delete_many({"patient_id": doc["patient_id"]})
            try:
                await self.collection.insert_one(doc)
            except DuplicateKeyError:
                if attempt:
                    raise
                continue
            return

    async def revoke(self, patient_id: str) -> bool:
        result = await self.collection.delete_one({"patient_id": patient_id})
        return result.deleted_count > 0

    async def by_token_hash(self, token_hash: str) -> FeedDoc | None:
        return await self.collection.find_one({"token_hash": token_hash})

    async def fetched(self, feed_id: str, now: datetime) -> None:
        await self.collection.update_one({"_id": feed_id}, {"$set": {"last_fetched_at": now}})
