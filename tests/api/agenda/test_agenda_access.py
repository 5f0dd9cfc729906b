"""Who reaches a patient's agenda, and who changes an event: another patient, a professional
without access, a blocked professional and another patient's app get nothing (NOT_FOUND, traced
as denied); only an event's author or the holder changes or cancels it; an event the patient
hides from professionals stays with its author and the primary physician."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from pymongo.database import Database
from starlette.applications import Starlette

from tests.api.agenda_support import (
    ADD,
    AGENDA,
    CANCEL,
    CHANGE,
    added,
    agenda,
    app_for,
    codes,
    doctor,
    event,
    holder,
    someone_born,
)
from tests.api.documents_support import (
    BENALI,
    BENALI_RPPS,
    CAMILLE,
    LEFEVRE,
    MOREAU_RPPS,
    Caller,
    add_to_care_team,
)
from tests.support import FakeClock
from tests.tokens import TokenFactory

MARCH = ("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
BLOCK = """
mutation($p: ID!, $pro: ID!, $b: Boolean) {
  setProfessionalAccess(patientId: $p, professionalId: $pro, blocked: $b) { __typename } }
"""


async def _outsiders(
    make: TokenFactory, http: httpx.AsyncClient, app: Starlette, clock: FakeClock
) -> dict[str, Caller]:
    """Actors who must get nothing of Camille's agenda (Lefèvre gets blocked by the test)."""
    other = await someone_born(app, clock, 71, date(1990, 1, 1))
    return {
        "another patient": await holder(make, http, ins=other["ins"]["matricule"]),
        "a professional without access": await doctor(make, http, MOREAU_RPPS),
        "another patient's app": await app_for(make, http, other["ins"]["matricule"]),
    }


async def test_outsiders_get_nothing_and_every_refusal_is_traced(
    make: TokenFactory,
    http: httpx.AsyncClient,
    app: Starlette,
    clock: FakeClock,
    db: Database[dict[str, Any]],
) -> None:
    camille = await holder(make, http, "agenda:read agenda:write space:manage")
    created = await added(camille, start="2026-03-10T10:00:00")
    await camille.data(BLOCK, {"p": CAMILLE, "pro": LEFEVRE, "b": True})
    outsiders = await _outsiders(make, http, app, clock)
    outsiders["a blocked professional"] = await doctor(make, http)
    for who, caller in outsiders.items():
        read = await caller.post(AGENDA, {"p": CAMILLE, "from": MARCH[0], "to": MARCH[1]})
        assert read["data"]["patient"] is None, who
        assert codes(read) == ["NOT_FOUND"], who
        one = await caller.post("query($id: ID!) { agendaEvent(id: $id) { id } }",
                                {"id": created["id"]})  # fmt: skip
        assert (one["data"]["agendaEvent"], codes(one)) == (None, ["NOT_FOUND"]), who
        added_by = await caller.data(ADD, {"p": CAMILLE, "i": event(start="2026-03-11T10:00:00")})
        assert added_by["addAgendaEvent"]["code"] == "NOT_FOUND", who
        changed = await caller.data(
            CHANGE, {"e": created["id"], "i": event(title="x", start="2026-03-11T10:00:00")}
        )
        assert changed["changeAgendaEvent"]["code"] == "NOT_FOUND", who
        cancelled = await caller.data(CANCEL, {"e": created["id"]})
        assert cancelled["cancelAgendaEvent"]["code"] == "NOT_FOUND", who
    found = await agenda(camille, *MARCH)
    assert [e["node"]["event"]["title"] for e in found["edges"]] == ["Kinésithérapie"]
    denied = list(db["access_events"].find({"patient_id": CAMILLE, "outcome": "denied"}))
    assert {e["action"] for e in denied} >= {
        "patient.read",
        "agenda.event_read",
        "agenda.event_added",
        "agenda.event_changed",
        "agenda.event_cancelled",
    }  # fmt: skip  (the agenda is a field of the patient: reading them is refused first)
    assert len({e["actor"]["id"] for e in denied}) == len(outsiders) - 1  # an app: the patient


async def test_only_the_author_or_the_holder_changes_or_cancels_an_event(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    camille = await holder(make, http, "agenda:read agenda:write profile:write")
    lefevre = await doctor(make, http)
    await add_to_care_team(camille, BENALI)
    benali = await doctor(make, http, BENALI_RPPS)
    app = await app_for(make, http)
    by_doctor = await added(lefevre, title="Consultation", start="2026-03-10T10:00:00")
    by_camille = await added(camille, title="Pharmacie", start="2026-03-11T10:00:00")
    new = event(title="Changé", start="2026-03-12T10:00:00")
    for caller, target in ((benali, by_doctor), (app, by_doctor), (lefevre, by_camille)):
        refused = await caller.data(CHANGE, {"e": target["id"], "i": new})
        assert refused["changeAgendaEvent"]["code"] == "FORBIDDEN"
        refused = await caller.data(CANCEL, {"e": target["id"]})
        assert refused["cancelAgendaEvent"]["code"] == "FORBIDDEN"
    assert (
        db["access_events"].count_documents({"action": "agenda.event_changed", "outcome": "denied"})
        == 3
    )
    # the author, then the holder
    mine = await lefevre.data(CHANGE, {"e": by_doctor["id"], "i": new})
    assert mine["changeAgendaEvent"]["event"]["updatedBy"] == {
        "kind": "PROFESSIONAL", "name": "Sophie Lefèvre",
    }  # fmt: skip
    hers = await camille.data(CANCEL, {"e": by_doctor["id"]})
    event_after = hers["cancelAgendaEvent"]["event"]
    assert (event_after["status"], event_after["author"]["id"]) == ("CANCELLED", LEFEVRE)
    again = await lefevre.data(CHANGE, {"e": by_doctor["id"], "i": new})
    assert (again["changeAgendaEvent"]["code"], again["changeAgendaEvent"]["field"]) == (
        "CONFLICT", "eventId",
    )  # fmt: skip
    # an app changes what it added itself
    own = await added(app, title="Rappel", start="2026-03-13T10:00:00")
    assert (await app.data(CANCEL, {"e": own["id"]}))["cancelAgendaEvent"]["event"]["status"] == (
        "CANCELLED"
    )


async def test_a_hidden_event_stays_with_its_author_and_the_primary_physician(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    camille = await holder(make, http, "agenda:read agenda:write profile:write")
    await add_to_care_team(camille, BENALI)
    benali = await doctor(make, http, BENALI_RPPS)
    lefevre = await doctor(make, http)
    secret = await added(camille, title="CeGIDD", start="2026-03-10T10:00:00",
                         hiddenFromProfessionals=True)  # fmt: skip
    await added(camille, title="Dentiste", start="2026-03-11T10:00:00")
    by_benali = await added(benali, title="Échographie", start="2026-03-12T10:00:00")
    assert [e["node"]["event"]["title"] for e in (await agenda(benali, *MARCH))["edges"]] == [
        "Dentiste", "Échographie",
    ]  # fmt: skip
    assert (await agenda(benali, *MARCH))["totalCount"] == 2
    hidden = await benali.post("query($id: ID!) { agendaEvent(id: $id) { id } }",
                               {"id": secret["id"]})  # fmt: skip
    assert codes(hidden) == ["NOT_FOUND"]
    assert (await agenda(lefevre, *MARCH))["totalCount"] == 3
    assert (await agenda(camille, *MARCH))["totalCount"] == 3
    refused = await benali.data(
        CHANGE, {"e": by_benali["id"], "i": event(title="x", start="2026-03-12T10:00:00",
                                                   hiddenFromProfessionals=True)},
    )  # fmt: skip
    assert (refused["changeAgendaEvent"]["code"], refused["changeAgendaEvent"]["field"]) == (
        "FORBIDDEN", "hiddenFromProfessionals",
    )  # fmt: skip
