"""The agenda's iCalendar feed: created at a secret URL, parsed back with a real iCalendar parser
(RRULE kept, times with their TZID and VTIMEZONE, UIDs stable), nothing but the agenda in it,
each fetch traced with the feed as the actor, rotated and revoked URLs answering a bare 404, and
the secret kept out of the store and the access log."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
import structlog
from pymongo.database import Database
from starlette.applications import Starlette

from api.logs import configure_logging
from resolvers.spaces._purge import purge_patient
from tests.api.agenda_support import added, doctor, holder
from tests.api.documents_support import CAMILLE, stores_of
from tests.oauth_support import PATIENT_INS
from tests.support import FakeClock
from tests.tokens import TokenFactory

CREATE = """
mutation($p: ID!) { createAgendaFeed(patientId: $p) {
  __typename ... on AgendaFeedCreated { url createdAt } ... on AgendaError { code } } }
"""
REVOKE = """
mutation($p: ID!) { revokeAgendaFeed(patientId: $p) {
  __typename ... on AgendaFeedRevoked { revoked } ... on AgendaError { code } } }
"""
STATUS = "query($p: ID!) { patient(id: $p) { agendaFeed { active createdAt lastFetchedAt } } }"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream)
    yield stream
    configure_logging("WARNING", "console")
    structlog.contextvars.clear_contextvars()


def path_of(url: str) -> str:
    assert url.startswith("http://127.0.0.1:")  # the settings' PUBLIC_BASE_URL
    return "/" + url.split("/", 3)[3]


async def test_the_feed_is_an_rfc_5545_calendar_a_real_parser_reads_back(
    make: TokenFactory,
    http: httpx.AsyncClient,
    db: Database[dict[str, Any]],
    json_logs: io.StringIO,
) -> None:
    camille = await holder(make, http)
    weekly = await added(
        camille, title="Kinésithérapie", start="2026-03-23T09:00:00", end="2026-03-23T09:45:00",
        recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=10", exceptions=["2026-03-30T09:00:00"],
        location="Nantes", notes="Séance de rééducation",
    )  # fmt: skip
    holiday = await added(camille, kind="REMINDER", title="Pilulier", date="2026-12-24",
                          endDate="2026-12-26")  # fmt: skip
    created = (await camille.data(CREATE, {"p": CAMILLE}))["createAgendaFeed"]
    assert created["__typename"] == "AgendaFeedCreated"
    path = path_of(created["url"])
    secret = path.removeprefix("/agenda/feed/").removesuffix(".ics")
    response = await http.get(path)  # no token: the URL is the credential
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0"
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
    events = {str(e["summary"]): e for e in calendar.events}
    assert set(events) == {"Kinésithérapie", "Pilulier"}
    kine = events["Kinésithérapie"]
    assert str(kine["uid"]) == f"{weekly['id']}@127.0.0.1"
    assert kine.decoded("dtstart") == datetime(2026, 3, 23, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert kine["dtstart"].params["TZID"] == "Europe/Paris"
    assert kine.decoded("dtend") - kine.decoded("dtstart") == (
        datetime(2026, 3, 23, 9, 45) - datetime(2026, 3, 23, 9, 0)
    )
    assert kine["rrule"].to_ical() == b"FREQ=WEEKLY;COUNT=10;BYDAY=MO"  # not expanded
    [exdate] = kine.exdates
    assert exdate == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert (str(kine["location"]), str(kine["description"])) == ("Nantes", "Séance de rééducation")
    pill = events["Pilulier"]
    assert (pill.decoded("dtstart"), pill.decoded("dtend")) == (
        date(2026, 12, 24),
        date(2026, 12, 27),
    )
    assert str(pill["uid"]) == f"{holiday['id']}@127.0.0.1"
    # only the agenda: no INS, no name, no birth date
    text = response.text
    for private in (PATIENT_INS, "MARTIN", "Camille", "1985"):
        assert private not in text
    # fetched again after a change: same UID, a higher SEQUENCE
    await camille.data(
        "mutation($e: ID!, $i: AgendaEventInput!) { changeAgendaEvent(eventId: $e, input: $i) "
        "{ __typename } }",
        {"e": holiday["id"], "i": {"kind": "REMINDER", "title": "Pilulier", "date": "2026-12-24"}},
    )
    again = icalendar.Calendar.from_ical((await http.get(path)).content)
    [pill] = [e for e in again.events if str(e["summary"]) == "Pilulier"]
    assert (pill.uid, pill.sequence) == (f"{holiday['id']}@127.0.0.1", 1)
    # traced with the feed as the actor; the secret is neither stored nor logged
    fetches = list(db["access_events"].find({"action": "agenda.feed_fetched"}))
    assert len(fetches) == 2
    assert {e["actor"]["kind"] for e in fetches} == {"feed"}
    assert secret not in json.dumps([{**f, "at": None} for f in db["agenda_feeds"].find()],
                                    default=str)  # fmt: skip
    assert secret not in json_logs.getvalue()
    assert "/agenda/feed/…" in json_logs.getvalue()
    status = await camille.data(STATUS, {"p": CAMILLE})
    assert status["patient"]["agendaFeed"]["active"] is True
    assert status["patient"]["agendaFeed"]["lastFetchedAt"] is not None


async def test_a_rotated_or_revoked_url_answers_404_and_says_nothing_more(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    camille = await holder(make, http)
    await added(camille, start="2026-12-01T10:00:00")
    first = path_of((await camille.data(CREATE, {"p": CAMILLE}))["createAgendaFeed"]["url"])
    second = path_of((await camille.data(CREATE, {"p": CAMILLE}))["createAgendaFeed"]["url"])
    assert first != second
    unknown = "/agenda/feed/" + "A" * 43 + ".ics"
    assert (await http.get(second)).status_code == 200
    gone = [await http.get(first), await http.get(unknown), await http.get("/agenda/feed/x.ics")]
    assert {(r.status_code, r.text) for r in gone} == {(404, "Not Found")}
    revoked = await camille.data(REVOKE, {"p": CAMILLE})
    assert revoked["revokeAgendaFeed"] == {"__typename": "AgendaFeedRevoked", "revoked": True}
    after = await http.get(second)
    assert (after.status_code, after.text) == (404, "Not Found")
    status = await camille.data(STATUS, {"p": CAMILLE})
    assert status["patient"]["agendaFeed"] == {
        "active": False, "createdAt": None, "lastFetchedAt": None,
    }  # fmt: skip


async def test_a_closed_space_serves_no_feed(make: TokenFactory, http: httpx.AsyncClient) -> None:
    camille = await holder(make, http, "agenda:read agenda:write space:manage")
    path = path_of((await camille.data(CREATE, {"p": CAMILLE}))["createAgendaFeed"]["url"])
    assert (await http.get(path)).status_code == 200
    await camille.data(f'mutation {{ closeSpace(patientId: "{CAMILLE}") {{ __typename }} }}')
    assert (await http.get(path)).status_code == 404


async def test_only_the_patients_side_manages_the_feed(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    lefevre = await doctor(make, http)  # her primary physician: she reads the agenda
    refused = await lefevre.data(CREATE, {"p": CAMILLE})
    assert refused["createAgendaFeed"] == {"__typename": "AgendaError", "code": "FORBIDDEN"}
    refused = await lefevre.data(REVOKE, {"p": CAMILLE})
    assert refused["revokeAgendaFeed"]["code"] == "FORBIDDEN"


async def test_the_purge_of_a_deleted_space_takes_the_agenda_with_it(
    make: TokenFactory, http: httpx.AsyncClient, app: Starlette, clock: FakeClock
) -> None:
    camille = await holder(make, http)
    await added(camille, start="2026-12-01T10:00:00")
    path = path_of((await camille.data(CREATE, {"p": CAMILLE}))["createAgendaFeed"]["url"])
    await camille.data(
        'mutation($p: ID!) { dismissForecastEntry(patientId: $p, entryId: "dtp-45y") '
        "{ __typename } }",
        {"p": CAMILLE},
    )
    stores = stores_of(app)
    await purge_patient(stores, clock, CAMILLE)
    assert await stores.agenda_events.count({"patient_id": CAMILLE}) == 0
    assert await stores.agenda_feeds.count({"patient_id": CAMILLE}) == 0
    assert await stores.agenda_preferences.count({"_id": CAMILLE}) == 0
    assert (await http.get(path)).status_code == 404
