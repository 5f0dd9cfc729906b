"""Changing the agenda: events, the forecast entries the patient accepts or dismisses, prevention
categories, and the iCalendar feed. Refusals are ``AgendaError`` results with a code and the
input field at fault."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeAlias

import strawberry

from resolvers.agenda import events as agenda
from resolvers.agenda import feed as agenda_feed
from resolvers.agenda import forecast as agenda_forecast
from resolvers.agenda.forecast import Acceptance
from resolvers.agenda.rules import DEFAULT_ZONE, EventInput
from schema.agenda.types import AgendaEvent, AgendaEventKind, AgendaPreferences, PreventionCategory
from schema.core.context import Info
from schema.core.permissions import scoped
from schema.core.refusals import Refusal, refusing
from storage.agenda import EventDoc


@strawberry.input(
    description="An event: `start` (and `end`) for a timed one, or `date` (and `endDate`) for "
    "an all-day one. A time without an offset is read in `timeZone`."
)
class AgendaEventInput:
    kind: AgendaEventKind
    title: str
    start: datetime | None = None
    end: datetime | None = strawberry.field(default=None, description="Default: the start.")
    day: date | None = strawberry.field(
        default=None, name="date", description="All-day: the first day."
    )
    end_date: date | None = strawberry.field(default=None, description="All-day: the last day.")
    time_zone: str = strawberry.field(default=DEFAULT_ZONE, description="An IANA zone.")
    recurrence: str | None = strawberry.field(
        default=None,
        description="An RFC 5545 RRULE value, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10 (at most "
        "daily; see docs/agenda.md).",
    )
    exceptions: list[datetime] | None = strawberry.field(
        default=None, description="Starts of occurrences cancelled (EXDATE)."
    )
    notes: str | None = None
    location: str | None = None
    hidden_from_professionals: bool = strawberry.field(
        default=False, description="The patient's side only."
    )
    for_practice: bool = strawberry.field(
        default=False,
        description="A professional adds it for their place of practice (an establishment).",
    )

    def checked(self) -> EventInput:
        return EventInput(
            kind=self.kind.value, title=self.title, start=self.start, end=self.end,
            day=self.day, last_day=self.end_date, time_zone=self.time_zone,
            recurrence=self.recurrence, exceptions=tuple(self.exceptions or ()),
            notes=self.notes, location=self.location,
            hidden_from_professionals=self.hidden_from_professionals,
            for_practice=self.for_practice,
        )  # fmt: skip


@strawberry.input(description="When and where to plan an accepted forecast entry.")
class ForecastAcceptanceInput:
    start: datetime | None = strawberry.field(
        default=None, description="Default: an all-day event on the day it is due (or today)."
    )
    end: datetime | None = None
    time_zone: str = DEFAULT_ZONE
    location: str | None = None
    notes: str | None = None


@strawberry.type(description="The event after the change.")
class AgendaEventChange:
    event: AgendaEvent


@strawberry.type(description="The feed's URL, shown this once; the previous one stops working.")
class AgendaFeedCreated:
    url: str
    created_at: datetime


@strawberry.type
class AgendaFeedRevoked:
    revoked: bool = strawberry.field(description="False when there was no feed.")


@strawberry.type(description="A refused agenda change, with a code to act on.")
class AgendaError(Refusal):
    pass


AgendaEventResult: TypeAlias = Annotated[
    AgendaEventChange | AgendaError, strawberry.union("AgendaEventResult")
]
AgendaPreferencesResult: TypeAlias = Annotated[
    AgendaPreferences | AgendaError, strawberry.union("AgendaPreferencesResult")
]
AgendaFeedResult: TypeAlias = Annotated[
    AgendaFeedCreated | AgendaError, strawberry.union("AgendaFeedResult")
]
AgendaFeedRevocationResult: TypeAlias = Annotated[
    AgendaFeedRevoked | AgendaError, strawberry.union("AgendaFeedRevocationResult")
]


def _changed(doc: EventDoc) -> AgendaEventChange:
    return AgendaEventChange(event=AgendaEvent.from_doc(doc))


@strawberry.type
class AgendaMutations:
    @strawberry.mutation(
        extensions=[scoped("agenda:write")],
        description="Add an event to a patient's agenda; you are its author.",
    )
    @refusing(AgendaError)
    async def add_agenda_event(
        self, info: Info, patient_id: strawberry.ID, input: AgendaEventInput
    ) -> AgendaEventResult | None:
        return _changed(await info.context.cases.run(agenda.add_event, patient_id, input.checked()))

    @strawberry.mutation(
        extensions=[scoped("agenda:write")],
        description="Replace an event's fields (its author or the patient's side).",
    )
    @refusing(AgendaError)
    async def change_agenda_event(
        self, info: Info, event_id: strawberry.ID, input: AgendaEventInput
    ) -> AgendaEventResult | None:
        cases = info.context.cases
        return _changed(await cases.run(agenda.change_event, event_id, input.checked()))

    @strawberry.mutation(
        extensions=[scoped("agenda:write")],
        description="Cancel an event, or one occurrence of a recurring one (its start).",
    )
    @refusing(AgendaError)
    async def cancel_agenda_event(
        self, info: Info, event_id: strawberry.ID, occurrence_start: datetime | None = None
    ) -> AgendaEventResult | None:
        cases = info.context.cases
        return _changed(await cases.run(agenda.cancel_event, event_id, occurrence_start))

    @strawberry.mutation(
        extensions=[scoped("agenda:write")],
        description="Put a forecast entry in the agenda, as an event (the patient's side).",
    )
    @refusing(AgendaError)
    async def accept_forecast_entry(
        self,
        info: Info,
        patient_id: strawberry.ID,
        entry_id: str,
        plan: ForecastAcceptanceInput | None = None,
    ) -> AgendaEventResult | None:
        given = plan or ForecastAcceptanceInput()
        checked = Acceptance(given.start, given.end, given.time_zone, given.location, given.notes)
        cases = info.context.cases
        return _changed(await cases.run(agenda_forecast.accept, patient_id, entry_id, checked))

    @strawberry.mutation(
        extensions=[scoped("agenda:write")],
        description="Dismiss a forecast entry (or take the dismissal back): no message for it.",
    )
    @refusing(AgendaError)
    async def dismiss_forecast_entry(
        self, info: Info, patient_id: strawberry.ID, entry_id: str, dismissed: bool = True
    ) -> AgendaPreferencesResult | None:
        doc = await info.context.cases.run(agenda_forecast.dismiss, patient_id, entry_id, dismissed)
        return AgendaPreferences.from_doc(doc)

    @strawberry.mutation(
        extensions=[scoped("agenda:write")],
        description="Switch a category of prevention messages on or off (the holder's side).",
    )
    @refusing(AgendaError)
    async def set_prevention_category(
        self, info: Info, patient_id: strawberry.ID, category: PreventionCategory, enabled: bool
    ) -> AgendaPreferencesResult | None:
        cases = info.context.cases
        doc = await cases.run(agenda_forecast.set_prevention, patient_id, category.value, enabled)
        return AgendaPreferences.from_doc(doc)

    @strawberry.mutation(
        extensions=[scoped("agenda:write")],
        description="Create (or rotate) the agenda's secret iCalendar feed URL (the holder's "
        "side): calendar apps subscribe to it.",
    )
    @refusing(AgendaError)
    async def create_agenda_feed(
        self, info: Info, patient_id: strawberry.ID
    ) -> AgendaFeedResult | None:
        cases = info.context.cases
        base_url = cases.config.public_base_url
        created = await cases.run(agenda_feed.create_feed, patient_id, base_url=base_url)
        return AgendaFeedCreated(url=created.url, created_at=created.feed["created_at"])

    @strawberry.mutation(
        extensions=[scoped("agenda:write")],
        description="End the agenda's iCalendar feed: its URL answers 404 from now on.",
    )
    @refusing(AgendaError)
    async def revoke_agenda_feed(
        self, info: Info, patient_id: strawberry.ID
    ) -> AgendaFeedRevocationResult | None:
        revoked = await info.context.cases.run(agenda_feed.revoke_feed, patient_id)
        return AgendaFeedRevoked(revoked=revoked)
