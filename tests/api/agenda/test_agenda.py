"""The agenda end to end: events with their author, recurrence expanded in the event's own time
zone across the 2026 daylight-saving changes, range queries page by page, bad input refused
naming the field, and the access history."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pymongo.database import Database

from tests.api.agenda_support import (
    ADD,
    add,
    added,
    agenda,
    app_for,
    doctor,
    event,
    holder,
)
from tests.api.documents_support import CAMILLE, LEFEVRE
from tests.tokens import TokenFactory


async def test_the_holder_adds_an_event_and_finds_it_in_range_with_its_author(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    camille = await holder(make, http)
    created = await added(
        camille,
        start="2026-03-10T14:30:00",  # no offset: Paris wall-clock time
        end="2026-03-10T15:00:00+01:00",
        location="Cabinet de kinésithérapie, Nantes",
        notes="Apporter l'ordonnance",
    )
    assert created["start"] == "2026-03-10T13:30:00+00:00"
    assert created["localStart"] == "2026-03-10T14:30:00+01:00"
    assert created["author"] == {
        "kind": "PATIENT", "id": CAMILLE, "name": "Camille MARTIN", "organisation": None,
    }  # fmt: skip
    assert created["status"] == "ACTIVE"
    found = await agenda(camille, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    assert found["totalCount"] == 1
    [edge] = found["edges"]
    assert edge["node"]["event"]["id"] == created["id"]
    assert edge["node"]["localStart"] == "2026-03-10T14:30:00+01:00"
    outside = await agenda(camille, "2026-03-11T00:00:00Z", "2026-04-01T00:00:00Z")
    assert outside["totalCount"] == 0
    one = await camille.data(
        "query($id: ID!) { agendaEvent(id: $id) { title location author { name } } }",
        {"id": created["id"]},
    )
    assert one["agendaEvent"]["location"] == "Cabinet de kinésithérapie, Nantes"
    actions = {e["action"] for e in db["access_events"].find({"patient_id": CAMILLE})}
    assert {"agenda.event_added", "agenda.listed", "agenda.event_read"} <= actions


@pytest.mark.parametrize(
    ("first", "rule", "expected"),
    [
        # clocks go forward on Sunday 29 March 2026: 09:00 Paris is 08:00Z, then 07:00Z
        (
            "2026-03-23T09:00:00",
            "FREQ=WEEKLY;BYDAY=MO",
            [
                ("2026-03-23T08:00:00+00:00", "2026-03-23T09:00:00+01:00"),
                ("2026-03-30T07:00:00+00:00", "2026-03-30T09:00:00+02:00"),
                ("2026-04-06T07:00:00+00:00", "2026-04-06T09:00:00+02:00"),
            ],
        ),
        # back on Sunday 25 October 2026: 07:00Z, then 08:00Z
        (
            "2026-10-19T09:00:00",
            "FREQ=WEEKLY;BYDAY=MO",
            [
                ("2026-10-19T07:00:00+00:00", "2026-10-19T09:00:00+02:00"),
                ("2026-10-26T08:00:00+00:00", "2026-10-26T09:00:00+01:00"),
                ("2026-11-02T08:00:00+00:00", "2026-11-02T09:00:00+01:00"),
            ],
        ),
        # a daily rule over the change itself: 28 and 30 March stay at 09:00 local
        (
            "2026-03-28T09:00:00",
            "FREQ=DAILY;COUNT=3",
            [
                ("2026-03-28T08:00:00+00:00", "2026-03-28T09:00:00+01:00"),
                ("2026-03-29T07:00:00+00:00", "2026-03-29T09:00:00+02:00"),
                ("2026-03-30T07:00:00+00:00", "2026-03-30T09:00:00+02:00"),
            ],
        ),
    ],
    ids=["spring-forward", "fall-back", "daily-over-the-change"],
)
async def test_a_recurring_event_keeps_its_local_time_across_a_daylight_saving_change(
    make: TokenFactory,
    http: httpx.AsyncClient,
    first: str,
    rule: str,
    expected: list[tuple[str, str]],
) -> None:
    camille = await holder(make, http)
    created = await added(camille, start=first, end=first[:11] + "09:45:00", recurrence=rule)
    assert created["recurrence"] == rule
    since = expected[0][0][:10] + "T00:00:00Z"
    found = await agenda(camille, since, expected[-1][0][:10] + "T23:00:00Z")
    got = [(e["node"]["start"], e["node"]["localStart"]) for e in found["edges"]]
    assert got == expected
    durations = {(e["node"]["start"][11:16], e["node"]["end"][11:16]) for e in found["edges"]}
    assert all(end[3:] == "45" for _, end in durations)  # 45 minutes each, in UTC too
    # shown in another zone, the same instants
    elsewhere = await agenda(
        camille, since, expected[-1][0][:10] + "T23:00:00Z", tz="America/Cayenne"
    )
    assert [e["node"]["start"] for e in elsewhere["edges"]] == [start for start, _ in expected]
    assert elsewhere["edges"][0]["node"]["localStart"].endswith("-03:00")


async def test_an_all_day_event_recurs_on_local_days_and_an_occurrence_can_be_cancelled(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    camille = await holder(make, http)
    created = await added(
        camille, kind="REMINDER", title="Pilulier", date="2026-10-20",
        recurrence="FREQ=WEEKLY;UNTIL=20261110",
    )  # fmt: skip
    assert (created["allDay"], created["date"], created["endDate"]) == (
        True,
        "2026-10-20",
        "2026-10-20",
    )
    found = await agenda(camille, "2026-10-01T00:00:00Z", "2026-12-01T00:00:00Z")
    assert [e["node"]["date"] for e in found["edges"]] == [
        "2026-10-20", "2026-10-27", "2026-11-03", "2026-11-10",
    ]  # fmt: skip
    # midnight in Paris: 22:00Z in summer time, 23:00Z after the change
    assert found["edges"][0]["node"]["start"] == "2026-10-19T22:00:00+00:00"
    assert found["edges"][1]["node"]["start"] == "2026-10-26T23:00:00+00:00"
    cancelled = await camille.data(
        "mutation($e: ID!, $at: DateTime) { cancelAgendaEvent(eventId: $e, occurrenceStart: $at)"
        " { ... on AgendaEventChange { event { exceptions status } } } }",
        {"e": created["id"], "at": "2026-10-27T00:00:00"},
    )
    assert cancelled["cancelAgendaEvent"]["event"] == {
        "exceptions": ["2026-10-26T23:00:00+00:00"],
        "status": "ACTIVE",
    }
    found = await agenda(camille, "2026-10-01T00:00:00Z", "2026-12-01T00:00:00Z")
    assert [e["node"]["date"] for e in found["edges"]] == ["2026-10-20", "2026-11-03", "2026-11-10"]
    await camille.data(
        "mutation($e: ID!) { cancelAgendaEvent(eventId: $e) { __typename } }", {"e": created["id"]}
    )
    assert (await agenda(camille, "2026-10-01T00:00:00Z", "2026-12-01T00:00:00Z"))["edges"] == []


async def test_occurrences_come_page_by_page_in_order_with_a_total(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    camille = await holder(make, http)
    await added(camille, title="Insuline", start="2026-03-02T08:00:00", recurrence="FREQ=DAILY")
    await added(camille, title="Dentiste", start="2026-03-04T08:00:00")  # same time as a dose
    await added(camille, title="Kiné", start="2026-03-01T10:00:00",
                recurrence="FREQ=WEEKLY;BYDAY=SU,TU")  # fmt: skip
    seen: list[tuple[str, str]] = []
    after = None
    pages = 0
    while True:
        page = await agenda(
            camille, "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z", first=3, after=after
        )
        assert page["totalCount"] == 7 + 1 + 2
        seen += [(e["node"]["start"], e["node"]["event"]["title"]) for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 4
    assert len(seen) == len(set(seen)) == 10
    assert [start for start, _ in seen] == sorted(start for start, _ in seen)
    assert ("2026-03-04T07:00:00+00:00", "Dentiste") in seen
    only = await agenda(camille, "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z", kinds=["OTHER"])
    assert only["totalCount"] == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start": "2026-03-02T09:00:00", "recurrence": "FREQ=MINUTELY"}, "recurrence"),
        ({"start": "2026-03-02T09:00:00", "recurrence": "FREQ=SECONDLY;COUNT=5"}, "recurrence"),
        ({"start": "2026-03-02T09:00:00", "recurrence": "FREQ=HOURLY"}, "recurrence"),
        ({"start": "2026-03-02T09:00:00", "recurrence": "tous les lundis"}, "recurrence"),
        ({"start": "2026-03-02T09:00:00", "recurrence": "FREQ=WEEKLY;BYDAY=XX"}, "recurrence"),
        ({"start": "2026-03-02T09:00:00", "recurrence": "FREQ=WEEKLY;BYDAY=TU"}, "recurrence"),
        ({"start": "2026-03-02T09:00:00", "recurrence": "FREQ=DAILY;COUNT=5000"}, "recurrence"),
        # never on its start (a Monday): refused without dateutil searching until 9999
        (
            {"start": "2026-03-02T09:00:00", "recurrence": "FREQ=DAILY;INTERVAL=7;BYDAY=TU"},
            "recurrence",
        ),
        ({"start": "2026-03-02T09:00:00", "recurrence": "FREQ=WEEKLY;BYMONTHDAY=2"}, "recurrence"),
        (
            {"start": "2026-03-02T09:00:00", "recurrence": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
            "recurrence",
        ),
        ({"start": "2026-03-02T09:00:00", "timeZone": "Europe/Nantes"}, "timeZone"),
        ({"start": "2026-03-02T09:00:00", "end": "2026-03-02T08:00:00"}, "end"),
        ({"start": "2026-03-02T09:00:00", "end": "2026-05-02T08:00:00"}, "end"),
        ({"start": "2026-03-02T09:00:00", "date": "2026-03-02"}, "start"),
        ({}, "start"),
        ({"date": "2026-03-05", "endDate": "2026-03-04"}, "endDate"),
        ({"start": "2026-03-02T09:00:00", "title": "  "}, "title"),
        ({"start": "2026-03-02T09:00:00", "exceptions": ["2026-03-03T09:00:00"]}, "exceptions"),
        ({"start": "3026-03-02T09:00:00"}, "start"),
        ({"start": "2026-03-02T09:00:00", "forPractice": True}, "forPractice"),
    ],
)
async def test_bad_input_is_refused_with_a_code_and_the_field(
    make: TokenFactory, http: httpx.AsyncClient, fields: dict[str, Any], field: str
) -> None:
    camille = await holder(make, http)
    refused = await add(camille, **fields)
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "AgendaError", "BAD_USER_INPUT", field,
    )  # fmt: skip
    found = await agenda(camille, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    assert found["totalCount"] == 0


@pytest.mark.parametrize(
    ("since", "until", "field"),
    [
        ("2026-03-01T00:00:00Z", "2027-03-03T00:00:00Z", "to"),  # more than 366 days
        ("2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z", "to"),
        ("2026-03-01T00:00:00", "2026-03-02T00:00:00Z", "from"),  # no offset
    ],
)
async def test_a_bad_range_is_refused_naming_the_argument(
    make: TokenFactory, http: httpx.AsyncClient, since: str, until: str, field: str
) -> None:
    camille = await holder(make, http)
    query = "query($p: ID!, $f: DateTime!, $t: DateTime!) { patient(id: $p) { id agenda(from: $f, to: $t) { totalCount } } }"  # noqa: E501
    body = await camille.post(query, {"p": CAMILLE, "f": since, "t": until})
    assert body["data"]["patient"] == {"id": CAMILLE, "agenda": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert "Traceback" not in error["message"]


async def test_an_app_and_a_professional_add_events_each_under_its_own_name(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    app = await app_for(make, http)
    by_app = await added(app, kind="REMINDER", title="Tension", start="2026-03-03T08:00:00")
    assert by_app["author"]["kind"] == "APP"
    assert by_app["author"]["name"] == "Development tokens (espace-sante dev-token)"
    lefevre = await doctor(make, http)
    visit = await added(
        lefevre, title="Consultation de suivi", start="2026-03-05T10:00:00", forPractice=True
    )
    assert visit["author"] == {
        "kind": "PROFESSIONAL", "id": LEFEVRE, "name": "Sophie Lefèvre",
        "organisation": "Cabinet médical de l'Erdre (Nantes)",
    }  # fmt: skip
    camille = await holder(make, http)
    titles = [
        e["node"]["event"]["author"]["kind"]
        for e in (await agenda(camille, "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z"))["edges"]
    ]
    assert titles == ["APP", "PROFESSIONAL"]


async def test_a_closed_space_is_read_only(make: TokenFactory, http: httpx.AsyncClient) -> None:
    camille = await holder(make, http, "agenda:read agenda:write space:manage")
    created = await added(camille, start="2026-03-10T10:00:00")
    await camille.data(f'mutation {{ closeSpace(patientId: "{CAMILLE}") {{ __typename }} }}')
    refused = await camille.data(ADD, {"p": CAMILLE, "i": event(start="2026-03-11T10:00:00")})
    assert refused["addAgendaEvent"]["code"] == "FORBIDDEN"
    still = await agenda(camille, "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z")
    assert [e["node"]["event"]["id"] for e in still["edges"]] == [created["id"]]


def _ids(connection: dict[str, Any]) -> list[str]:
    return [e["node"]["event"]["id"] for e in connection["edges"]]


async def test_changes_are_kept_with_who_made_them(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    camille = await holder(make, http)
    created = await added(camille, start="2026-03-10T10:00:00")
    changed = await camille.data(
        "mutation($e: ID!, $i: AgendaEventInput!) { changeAgendaEvent(eventId: $e, input: $i) "
        "{ ... on AgendaEventChange { event { id title start updatedBy { kind } } } } }",
        {"e": created["id"], "i": event(title="Kiné (reporté)", start="2026-03-12T10:00:00")},
    )
    assert changed["changeAgendaEvent"]["event"] == {
        "id": created["id"], "title": "Kiné (reporté)", "start": "2026-03-12T09:00:00+00:00",
        "updatedBy": {"kind": "PATIENT"},
    }  # fmt: skip
    found = await agenda(camille, "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z")
    assert _ids(found) == [created["id"]]
    assert found["edges"][0]["node"]["start"] == "2026-03-12T09:00:00+00:00"
