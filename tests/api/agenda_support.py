"""Talking to the agenda through GraphQL as the demo actors, at a time the test chooses."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from resolvers.core.actors import ActorKind
from storage.patients import PatientDoc
from tests.api.documents_support import CAMILLE, Caller, stores_of
from tests.oauth_support import PATIENT_INS, PROFESSIONAL_RPPS
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import TokenFactory, seed

READ = "agenda:read"
WRITE = "agenda:read agenda:write"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # after the demo data's last measurement

EVENT_FIELDS = """
id kind title notes location start end timeZone localStart allDay date endDate recurrence
exceptions hiddenFromProfessionals forecastEntryId status
author { kind id name organisation } updatedBy { kind name }
"""
RESULT = f"""
  __typename
  ... on AgendaEventChange {{ event {{ {EVENT_FIELDS} }} }}
  ... on AgendaError {{ code field message }}
"""
ADD = f"""
mutation($p: ID!, $i: AgendaEventInput!) {{ addAgendaEvent(patientId: $p, input: $i) {{
  {RESULT} }} }}
"""
CHANGE = f"""
mutation($e: ID!, $i: AgendaEventInput!) {{ changeAgendaEvent(eventId: $e, input: $i) {{
  {RESULT} }} }}
"""
CANCEL = f"""
mutation($e: ID!, $at: DateTime) {{ cancelAgendaEvent(eventId: $e, occurrenceStart: $at) {{
  {RESULT} }} }}
"""
AGENDA = """
query($p: ID!, $from: DateTime!, $to: DateTime!, $first: Int, $after: String,
      $kinds: [AgendaEventKind!], $tz: String! = "Europe/Paris") {
  patient(id: $p) { agenda(from: $from, to: $to, first: $first, after: $after, kinds: $kinds,
                           timeZone: $tz) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { start end localStart localEnd allDay date
                          event { id title recurrence author { kind name } } } }
  } }
}
"""


@contextlib.asynccontextmanager
async def seeded_app(settings: Settings, clock: FakeClock) -> AsyncIterator[Starlette]:
    """The app on a clock the test moves, with the demo data (for each module's ``app``)."""
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        await seed(application)
        yield application


async def holder(
    make: TokenFactory, http: httpx.AsyncClient, scope: str = WRITE, ins: str = PATIENT_INS
) -> Caller:
    """The patient of ``ins`` (Camille by default), signed in."""
    return Caller(http, await make(ActorKind.PATIENT, ins, scope))


async def doctor(
    make: TokenFactory, http: httpx.AsyncClient, rpps: str = PROFESSIONAL_RPPS, scope: str = WRITE
) -> Caller:
    return Caller(http, await make(ActorKind.PROFESSIONAL, rpps, scope))


async def app_for(
    make: TokenFactory, http: httpx.AsyncClient, ins: str = PATIENT_INS, scope: str = WRITE
) -> Caller:
    """A catalogue app paired by the patient of ``ins``."""
    return Caller(http, await make(ActorKind.APP, ins, scope))


async def someone_born(app: Starlette, clock: FakeClock, index: int, born: date) -> PatientDoc:
    """Another patient, with an active space, born on ``born``."""
    return await make_patient(stores_of(app), clock, index, "active", born=born)


def event(**fields: Any) -> dict[str, Any]:
    return {"kind": "APPOINTMENT", "title": "Kinésithérapie", **fields}


async def add(caller: Caller, patient_id: str = CAMILLE, **fields: Any) -> dict[str, Any]:
    data = await caller.data(ADD, {"p": patient_id, "i": event(**fields)})
    result: dict[str, Any] = data["addAgendaEvent"]
    return result


async def added(caller: Caller, patient_id: str = CAMILLE, **fields: Any) -> dict[str, Any]:
    result = await add(caller, patient_id, **fields)
    assert result["__typename"] == "AgendaEventChange", result
    created: dict[str, Any] = result["event"]
    return created


async def agenda(
    caller: Caller, since: str, until: str, patient_id: str = CAMILLE, **variables: Any
) -> dict[str, Any]:
    data = await caller.data(AGENDA, {"p": patient_id, "from": since, "to": until, **variables})
    connection: dict[str, Any] = data["patient"]["agenda"]
    return connection


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]
