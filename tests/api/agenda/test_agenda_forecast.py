"""The forecast calendar and prevention messages through GraphQL: computed from the birth date,
accepted into the agenda or dismissed, messages saying why, switched off per category by the
patient's side only, and addressed to a parent by the child's name."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from storage.patients import PatientDoc
from tests.api.agenda_support import (
    agenda,
    app_for,
    doctor,
    holder,
    someone_born,
)
from tests.api.documents_support import CAMILLE, Caller
from tests.support import FakeClock
from tests.tokens import TokenFactory

MESSAGES = """
query($p: ID!, $c: [PreventionCategory!]) { patient(id: $p) { preventionMessages(categories: $c)
  { id entryId category title text reason dueFrom dueUntil mandatory source { title url } } } }
"""
FORECAST = """
query($p: ID!, $from: Date, $to: Date) { patient(id: $p) { forecast(from: $from, to: $to)
  { id category eventKind title when dueFrom dueUntil status eventId source { url } } } }
"""
SWITCH = """
mutation($p: ID!, $c: PreventionCategory!, $on: Boolean!) {
  setPreventionCategory(patientId: $p, category: $c, enabled: $on) {
    __typename ... on AgendaPreferences { preventionOff dismissedEntries }
    ... on AgendaError { code field } } }
"""
ACCEPT = """
mutation($p: ID!, $e: String!, $plan: ForecastAcceptanceInput) {
  acceptForecastEntry(patientId: $p, entryId: $e, plan: $plan) {
    __typename ... on AgendaEventChange { event { id kind title allDay date start
      forecastEntryId author { kind } } }
    ... on AgendaError { code field } } }
"""
DISMISS = """
mutation($p: ID!, $e: String!, $d: Boolean!) {
  dismissForecastEntry(patientId: $p, entryId: $e, dismissed: $d) {
    __typename ... on AgendaPreferences { dismissedEntries } ... on AgendaError { code field } } }
"""
TEEN_DUE = {"dtcap-11y", "hpv", "meningococcal-acwy-11y", "exam-11y", "mt-dents@12y"}


@pytest.fixture
async def teen(app: Starlette, clock: FakeClock) -> PatientDoc:
    return await someone_born(app, clock, 12, date(2014, 1, 10))  # 12 years old


async def messages_of(caller: Caller, patient_id: str, **variables: Any) -> list[dict[str, Any]]:
    data = await caller.data(MESSAGES, {"p": patient_id, **variables})
    found: list[dict[str, Any]] = data["patient"]["preventionMessages"]
    return found


async def forecast_of(caller: Caller, patient_id: str, **variables: Any) -> dict[str, Any]:
    data = await caller.data(FORECAST, {"p": patient_id, **variables})
    return {entry["id"]: entry for entry in data["patient"]["forecast"]}


async def test_prevention_messages_say_why_and_a_category_is_switched_off_by_the_patient(
    make: TokenFactory, http: httpx.AsyncClient, teen: PatientDoc
) -> None:
    lea = await holder(make, http, ins=teen["ins"]["matricule"])
    found = await messages_of(lea, teen["_id"])
    assert {m["entryId"] for m in found} == TEEN_DUE
    [dtcap] = [m for m in found if m["entryId"] == "dtcap-11y"]
    assert (
        dtcap["reason"] == "Vous avez 12 ans et le rappel dTcaP est recommandé entre 11 et 13 ans."
    )
    assert (dtcap["dueFrom"], dtcap["dueUntil"]) == ("2025-01-10", "2028-01-10")
    assert dtcap["source"]["url"].startswith("https://")
    assert found[0]["mandatory"] is True  # the mandatory examination first
    switched = await lea.data(SWITCH, {"p": teen["_id"], "c": "VACCINATION", "on": False})
    assert switched["setPreventionCategory"]["preventionOff"] == ["VACCINATION"]
    left = await messages_of(lea, teen["_id"])
    assert {m["category"] for m in left} == {"CHILD_EXAMINATION", "DENTAL"}
    assert await messages_of(lea, teen["_id"], c=["VACCINATION"]) == []
    await lea.data(SWITCH, {"p": teen["_id"], "c": "VACCINATION", "on": True})
    assert {m["entryId"] for m in await messages_of(lea, teen["_id"])} == TEEN_DUE
    # an app acting for her reads them, but the switch is hers
    app = await app_for(make, http, teen["ins"]["matricule"])
    assert len(await messages_of(app, teen["_id"])) == 5
    refused = await app.data(SWITCH, {"p": teen["_id"], "c": "DENTAL", "on": False})
    assert refused["setPreventionCategory"]["code"] == "FORBIDDEN"


async def test_a_professional_reads_the_forecast_but_not_the_patients_messages(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    lefevre = await doctor(make, http)  # Camille's primary physician
    forecast = await forecast_of(lefevre, CAMILLE, **{"from": "2030-01-01", "to": "2031-01-01"})
    assert set(forecast) == {"dtp-45y"}  # Camille turns 45 on 14 March 2030
    body = await lefevre.post(MESSAGES, {"p": CAMILLE})
    assert body["data"]["patient"]["preventionMessages"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    refused = await lefevre.data(SWITCH, {"p": CAMILLE, "c": "DENTAL", "on": False})
    assert refused["setPreventionCategory"]["code"] == "FORBIDDEN"


async def test_a_forecast_entry_is_accepted_into_the_agenda_or_dismissed(
    make: TokenFactory, http: httpx.AsyncClient, teen: PatientDoc
) -> None:
    lea = await holder(make, http, ins=teen["ins"]["matricule"])
    patient_id = teen["_id"]
    proposed = await forecast_of(lea, patient_id)
    assert set(proposed) >= TEEN_DUE
    dental = proposed["mt-dents@12y"]
    assert (dental["status"], dental["eventKind"], dental["category"]) == (
        "PROPOSED", "DENTAL", "DENTAL",
    )  # fmt: skip
    plan = {"start": "2026-12-03T16:30:00", "end": "2026-12-03T17:00:00", "location": "Nantes"}
    accepted = await lea.data(ACCEPT, {"p": patient_id, "e": "mt-dents@12y", "plan": plan})
    event = accepted["acceptForecastEntry"]["event"]
    assert (event["kind"], event["forecastEntryId"], event["start"]) == (
        "DENTAL", "mt-dents@12y", "2026-12-03T15:30:00+00:00",
    )  # fmt: skip
    assert event["title"] == "Examen de prévention bucco-dentaire M'T dents"
    after = await forecast_of(lea, patient_id)
    assert (after["mt-dents@12y"]["status"], after["mt-dents@12y"]["eventId"]) == (
        "ACCEPTED", event["id"],
    )  # fmt: skip
    again = await lea.data(ACCEPT, {"p": patient_id, "e": "mt-dents@12y"})
    assert again["acceptForecastEntry"] == {
        "__typename": "AgendaError", "code": "CONFLICT", "field": "entryId",
    }  # fmt: skip
    # without a plan: an all-day event on the day it is due, or today when that is past
    exam = (await lea.data(ACCEPT, {"p": patient_id, "e": "exam-11y"}))["acceptForecastEntry"]
    assert (exam["event"]["allDay"], exam["event"]["date"]) == (True, "2026-11-20")
    found = await agenda(lea, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z", patient_id)
    assert [e["node"]["event"]["title"][:12] for e in found["edges"]] == [
        "Examen médic", "Examen de pr",
    ]  # fmt: skip
    # dismissed: no message; taken back: proposed again
    dismissed = await lea.data(DISMISS, {"p": patient_id, "e": "hpv", "d": True})
    assert dismissed["dismissForecastEntry"]["dismissedEntries"] == ["hpv"]
    assert (await forecast_of(lea, patient_id))["hpv"]["status"] == "DISMISSED"
    assert {m["entryId"] for m in await messages_of(lea, patient_id)} == TEEN_DUE - {
        "hpv", "mt-dents@12y", "exam-11y",
    }  # fmt: skip
    await lea.data(DISMISS, {"p": patient_id, "e": "hpv", "d": False})
    assert (await forecast_of(lea, patient_id))["hpv"]["status"] == "PROPOSED"
    unknown = await lea.data(ACCEPT, {"p": patient_id, "e": "influenza@12y"})
    assert unknown["acceptForecastEntry"] == {
        "__typename": "AgendaError", "code": "NOT_FOUND", "field": "entryId",
    }  # fmt: skip


async def test_a_parent_is_told_why_by_the_childs_name(
    make: TokenFactory, http: httpx.AsyncClient, app: Starlette, clock: FakeClock
) -> None:
    parent = await someone_born(app, clock, 31, date(1994, 4, 2))
    baby = await someone_born(app, clock, 32, date(2026, 11, 15))  # five days old
    admin = Caller(http, await make(ActorKind.OPERATOR, None, "admin"))
    await admin.data(
        "mutation($id: ID!, $ins: String!) { addRepresentative(patientId: $id, "
        'representativeIns: $ins, relation: "parent") { __typename } }',
        {"id": baby["_id"], "ins": parent["ins"]["matricule"]},
    )
    mother = await holder(make, http, ins=parent["ins"]["matricule"])
    [message] = await messages_of(mother, baby["_id"])
    assert message["entryId"] == "exam-8d"
    assert message["reason"].startswith("Prénom a 5 jours et un examen médical")
    forecast = await forecast_of(mother, baby["_id"], **{"from": "2027-01-01", "to": "2027-02-01"})
    assert {"hexavalent-1", "pneumococcal-1", "rotavirus-1", "exam-2m"} <= set(forecast)
