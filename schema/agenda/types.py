"""The agenda as GraphQL: events, their occurrences in a range, the forecast calendar, prevention
messages, the patient's agenda choices and feed. The fields hang on ``Patient`` (see
``schema/accounts/types.py``), behind ``agenda:read``; one event by id is ``Query.agendaEvent``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import Enum
from typing import Annotated

import strawberry

from resolvers.agenda import events as agenda
from resolvers.agenda import feed as agenda_feed
from resolvers.agenda import forecast as agenda_forecast
from resolvers.agenda.prevention import PreventionMessage as Message
from resolvers.agenda.recurrence import Occurrence, zone
from resolvers.agenda.schedule import ForecastEntry as Entry
from schema.core.context import Info
from schema.core.enums import ActorKind
from schema.core.pagination import Connection, connection
from schema.core.permissions import scoped
from storage.agenda import EventAuthorDoc, EventDoc, FeedDoc, PreferencesDoc


@strawberry.enum(description="What an agenda event is.")
class AgendaEventKind(Enum):
    APPOINTMENT = "appointment"
    REMINDER = "reminder"
    VACCINATION = "vaccination"
    EXAMINATION = "examination"
    DENTAL = "dental"
    OTHER = "other"


@strawberry.enum
class AgendaEventStatus(Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


@strawberry.enum(description="A category of the forecast calendar and of prevention messages.")
class PreventionCategory(Enum):
    VACCINATION = "vaccination"
    CHILD_EXAMINATION = "child-examination"
    DENTAL = "dental"


@strawberry.enum(description="What the patient made of a forecast entry.")
class ForecastStatus(Enum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


@strawberry.type(
    description="Who added or changed an event, and the place of practice (an establishment) "
    "a professional acted for."
)
class AgendaAuthor:
    kind: ActorKind
    id: strawberry.ID
    name: str
    organisation: str | None

    @classmethod
    def from_doc(cls, doc: EventAuthorDoc) -> AgendaAuthor:
        return cls(
            kind=ActorKind(doc["kind"]),
            id=strawberry.ID(doc["id"]),
            name=doc["name"],
            organisation=doc.get("organisation"),
        )


@strawberry.type(description="An agenda event: its first occurrence, and its recurrence rule.")
class AgendaEvent:
    """Plain attributes, filled once from the record: a page of occurrences calls no resolver."""

    id: strawberry.ID
    kind: AgendaEventKind
    title: str
    notes: str | None
    location: str | None
    start: datetime = strawberry.field(description="The first occurrence's start, in UTC.")
    end: datetime = strawberry.field(
        description="The first occurrence's end, in UTC (= start: no duration)."
    )
    time_zone: str = strawberry.field(
        description="The IANA zone it was entered in; it recurs in that zone."
    )
    local_start: datetime = strawberry.field(
        description="The start in the event's time zone, with its offset."
    )
    all_day: bool
    first_day: date | None = strawberry.field(
        name="date", description="All-day events: the first day."
    )
    end_date: date | None = strawberry.field(
        description="All-day events: the last day (inclusive)."
    )
    recurrence: str | None = strawberry.field(
        description="RFC 5545 RRULE value (UNTIL in UTC), if it recurs."
    )
    exceptions: list[datetime] = strawberry.field(
        description="Starts (UTC) of the occurrences cancelled (EXDATE)."
    )
    hidden_from_professionals: bool = strawberry.field(
        description="Hidden by the patient from professionals but its author."
    )
    forecast_entry_id: str | None = strawberry.field(
        description="The forecast-calendar entry it was accepted from."
    )
    author: AgendaAuthor
    updated_by: AgendaAuthor
    created_at: datetime
    updated_at: datetime
    status: AgendaEventStatus

    @classmethod
    def from_doc(cls, doc: EventDoc) -> AgendaEvent:
        tz = zone(doc["time_zone"])
        local_start = doc["start"].astimezone(tz)
        all_day = doc["all_day"]
        return cls(
            id=strawberry.ID(doc["_id"]),
            kind=AgendaEventKind(doc["kind"]),
            title=doc["title"],
            notes=doc["notes"],
            location=doc["location"],
            start=doc["start"],
            end=doc["end"],
            time_zone=doc["time_zone"],
            local_start=local_start,
            all_day=all_day,
            first_day=local_start.date() if all_day else None,
            end_date=(doc["end"].astimezone(tz) - timedelta(days=1)).date() if all_day else None,
            recurrence=doc["rrule"],
            exceptions=list(doc["exdates"]),
            hidden_from_professionals=doc["hidden_from_professionals"],
            forecast_entry_id=doc["forecast_entry"],
            author=AgendaAuthor.from_doc(doc["author"]),
            updated_by=AgendaAuthor.from_doc(doc["updated_by"]),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
            status=AgendaEventStatus(doc["status"]),
        )


@strawberry.type(description="One occurrence of an event in the range asked for.")
class AgendaOccurrence:
    start: datetime = strawberry.field(description="In UTC.")
    end: datetime = strawberry.field(description="In UTC.")
    local_start: datetime = strawberry.field(
        description="The start in the zone asked for (`timeZone`, Europe/Paris by default)."
    )
    local_end: datetime
    all_day: bool
    day: date | None = strawberry.field(
        name="date", description="All-day: the day, in the event's zone."
    )
    event: AgendaEvent

    @classmethod
    def of(cls, doc: EventDoc, occurrence: Occurrence, shown: str) -> AgendaOccurrence:
        tz = zone(shown)
        return cls(
            start=occurrence.start,
            end=occurrence.end,
            local_start=occurrence.start.astimezone(tz),
            local_end=occurrence.end.astimezone(tz),
            all_day=doc["all_day"],
            day=occurrence.local_start.date() if doc["all_day"] else None,
            event=AgendaEvent.from_doc(doc),
        )


@strawberry.type(description="Where an entry of the forecast calendar comes from.")
class ForecastSource:
    title: str
    url: str


def _source(entry: Entry) -> ForecastSource:
    return ForecastSource(title=entry.source.title, url=entry.source.url)


@strawberry.type(description="A proposal of the forecast calendar, computed from the birth date.")
class ForecastEntry:
    id: str = strawberry.field(description="Stable: accept or dismiss it by this id.")
    category: PreventionCategory
    event_kind: AgendaEventKind = strawberry.field(description="The event it becomes.")
    title: str
    when: str = strawberry.field(description="The age, in the official wording.")
    due_from: date
    due_until: date = strawberry.field(description="Exclusive: due before this day.")
    mandatory: bool
    reason: str
    source: ForecastSource
    status: ForecastStatus
    event_id: strawberry.ID | None = strawberry.field(description="The event it was accepted as.")

    @classmethod
    def of(cls, proposal: agenda_forecast.Proposal) -> ForecastEntry:
        entry = proposal.entry
        return cls(
            id=entry.id,
            category=PreventionCategory(entry.category),
            event_kind=AgendaEventKind(entry.event_kind),
            title=entry.title,
            when=entry.when,
            due_from=entry.due_from,
            due_until=entry.due_until,
            mandatory=entry.mandatory,
            reason=entry.reason,
            source=_source(entry),
            status=ForecastStatus(proposal.status),
            event_id=strawberry.ID(proposal.event_id) if proposal.event_id else None,
        )


@strawberry.type(description="A personalised prevention message: what, and why it was sent.")
class PreventionMessage:
    id: str = strawberry.field(description="Stable while the entry is due.")
    entry_id: str
    category: PreventionCategory
    title: str
    text: str
    reason: str = strawberry.field(description="Why it was sent (the age and the rule).")
    due_from: date
    due_until: date = strawberry.field(description="Exclusive.")
    mandatory: bool
    source: ForecastSource

    @classmethod
    def of(cls, message: Message) -> PreventionMessage:
        entry = message.entry
        return cls(
            id=message.id,
            entry_id=entry.id,
            category=PreventionCategory(entry.category),
            title=entry.title,
            text=message.text,
            reason=message.reason,
            due_from=entry.due_from,
            due_until=entry.due_until,
            mandatory=entry.mandatory,
            source=_source(entry),
        )


@strawberry.type(description="The patient's agenda choices.")
class AgendaPreferences:
    prevention_off: list[PreventionCategory] = strawberry.field(
        description="Categories of prevention messages switched off."
    )
    dismissed_entries: list[str] = strawberry.field(description="Forecast entries dismissed.")

    @classmethod
    def from_doc(cls, doc: PreferencesDoc) -> AgendaPreferences:
        return cls(
            prevention_off=[PreventionCategory(value) for value in sorted(doc["prevention_off"])],
            dismissed_entries=sorted(doc["dismissed"]),
        )


@strawberry.type(description="The agenda's iCalendar feed, without its URL (shown only once).")
class AgendaFeedStatus:
    active: bool
    created_at: datetime | None
    last_fetched_at: datetime | None

    @classmethod
    def from_doc(cls, doc: FeedDoc | None) -> AgendaFeedStatus:
        if doc is None:
            return cls(active=False, created_at=None, last_fetched_at=None)
        return cls(
            active=True, created_at=doc["created_at"], last_fetched_at=doc["last_fetched_at"]
        )


Since = Annotated[datetime, strawberry.argument(name="from", description="Included.")]
SinceDay = Annotated[date | None, strawberry.argument(name="from", description="Included.")]


async def agenda_of(  # noqa: PLR0917 - a connection's arguments
    info: Info,
    patient_id: str,
    since: datetime,
    until: datetime,
    kinds: list[AgendaEventKind] | None,
    time_zone: str,
    first: int | None,
    after: str | None,
) -> Connection[AgendaOccurrence]:
    cases = info.context.cases
    zone(time_zone)
    found, has_next, count = await cases.run(agenda.occurrences, patient_id, since, until,
        [kind.value for kind in kinds] if kinds else None, first=first, after=after,
    )  # fmt: skip
    return connection(
        [AgendaOccurrence.of(f.event, f.occurrence, time_zone) for f in found],
        [{"start": f.occurrence.start, "_id": f.event["_id"]} for f in found],
        sort_key="start",
        has_next=has_next,
        after=after,
        count=count,
    )


async def forecast_of(
    info: Info, patient_id: str, since: date | None, until: date | None
) -> list[ForecastEntry]:
    proposals = await info.context.cases.run(agenda_forecast.forecast_of, patient_id, since, until)
    return [ForecastEntry.of(proposal) for proposal in proposals]


async def prevention_of(
    info: Info, patient_id: str, categories: list[PreventionCategory] | None
) -> list[PreventionMessage]:
    found = await info.context.cases.run(agenda_forecast.prevention_of, patient_id,
        [category.value for category in categories] if categories else None,
    )  # fmt: skip
    return [PreventionMessage.of(message) for message in found]


async def preferences_of(info: Info, patient_id: str) -> AgendaPreferences:
    doc = await info.context.cases.run(agenda_forecast.preferences_of, patient_id)
    return AgendaPreferences.from_doc(doc)


async def feed_status_of(info: Info, patient_id: str) -> AgendaFeedStatus:
    doc = await info.context.cases.run(agenda_feed.feed_of, patient_id)
    return AgendaFeedStatus.from_doc(doc)


@strawberry.type
class AgendaQuery:
    @strawberry.field(
        extensions=[scoped("agenda:read")],
        description="One agenda event you may see (cancelled ones too).",
    )
    async def agenda_event(self, info: Info, id: strawberry.ID) -> AgendaEvent | None:
        return AgendaEvent.from_doc(await info.context.cases.run(agenda.get_event, id))
