"""Broken object-level authorisation: a professional, an app and a patient each reach for
Camille's profile, documents and history by id, by cursor and by filter, and always get
nothing; each attempt is in Camille's history. And the history itself is append-only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo.database import Database
from pymongo.errors import WriteError
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from tests.api.documents_support import CAMILLE, MOREAU_RPPS, Caller, professional
from tests.api.lookup_support import FIND, MY_PATIENTS, find_variables
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import TokenFactory, seed, token_factory

SCOPES = "profile.identity:read documents:read audit:read"
PROFILE = "query($p: ID!) { patient(id: $p) { identity { birthNames } } }"
DOCUMENTS = """query($p: ID!, $after: String, $f: DocumentFilterInput, $first: Int) {
  patient(id: $p) { documents(after: $after, filter: $f, first: $first) {
    totalCount pageInfo { endCursor } edges { node { id } } } } }"""
ONE = "query($d: ID!) { document(id: $d) { id } }"
HISTORY = "query($p: ID!) { patient(id: $p) { accessHistory { totalCount } } }"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


async def attackers(app: Starlette, http: httpx.AsyncClient, make: TokenFactory) -> list[Caller]:
    stores = app.state.services.running.stores
    other = await make_patient(stores, FakeClock(datetime.now(UTC)), 7, "active")
    app_token = await make(ActorKind.APP, other["ins"]["matricule"], "documents:read")
    return [
        await professional(make, http, MOREAU_RPPS, SCOPES),
        Caller(http, app_token),
        Caller(http, await make(ActorKind.PATIENT, other["ins"]["matricule"], SCOPES)),
    ]


async def test_nobody_reaches_another_patients_data(
    app: Starlette, http: httpx.AsyncClient, make: TokenFactory, db: Database[dict[str, Any]]
) -> None:
    camille = Caller(http, await make(ActorKind.PATIENT, "285034410912329", SCOPES))
    own = (await camille.data(DOCUMENTS, {"p": CAMILLE}))["patient"]["documents"]
    assert own["totalCount"] >= 2
    doc_id = own["edges"][0]["node"]["id"]
    first = await camille.data(DOCUMENTS, {"p": CAMILLE, "first": 1})
    cursor = first["patient"]["documents"]["pageInfo"]["endCursor"]
    before = db["access_events"].count_documents({"patient_id": CAMILLE, "outcome": "denied"})
    for caller in await attackers(app, http, make):
        for query, variables in [
            (PROFILE, {"p": CAMILLE}),
            (DOCUMENTS, {"p": CAMILLE}),
            (DOCUMENTS, {"p": CAMILLE, "after": cursor}),
            (DOCUMENTS, {"p": CAMILLE, "f": {"typeCodes": ["11488-4"]}}),
            (ONE, {"d": doc_id}),
            (HISTORY, {"p": CAMILLE}),
        ]:
            body = await caller.post(query, variables)
            data = body.get("data") or {}
            assert not any(data.values()), (query, body)
            codes = {e["extensions"]["code"] for e in body.get("errors", [])}
            assert codes <= {"NOT_FOUND", "INSUFFICIENT_SCOPE", "BAD_USER_INPUT"}, body
        content = await http.get(f"/documents/{doc_id}/content", headers=caller.headers)
        assert content.status_code in {403, 404}
        # by filter, on what they may read: their own history never shows Camille's
        mine = await caller.post(
            "query($f: AccessHistoryFilter) { myAccessHistory(filter: $f) "
            "{ edges { node { patientId actor { id } } } } }",
            {"f": {"patientId": CAMILLE}},
        )
        for edge in ((mine.get("data") or {}).get("myAccessHistory") or {}).get("edges", []):
            assert edge["node"]["actor"]["id"] != CAMILLE
    after = db["access_events"].count_documents({"patient_id": CAMILLE, "outcome": "denied"})
    assert after - before >= 3 * 4  # every attempt that got as far as Camille is traced
    kinds = db["access_events"].distinct("actor.kind", {"patient_id": CAMILLE, "outcome": "denied"})
    assert set(kinds) >= {"professional", "app", "patient"}


NEWS = "query($p: ID!) { notificationPreferences(patientId: $p) { kind enabled } }"
CHOOSE = """mutation($p: ID!) { setNotificationPreference(patientId: $p, channel: EMAIL,
  kind: DOCUMENT, enabled: false) { __typename ... on SpaceError { code } } }"""


async def test_nobody_reads_or_sets_another_patients_notification_preferences(
    app: Starlette, http: httpx.AsyncClient, make: TokenFactory, db: Database[dict[str, Any]]
) -> None:
    """Another patient (the one kind that holds ``space:manage``) gets "not found", traced; a
    professional cannot even hold the scope."""
    stores = app.state.services.running.stores
    other = await make_patient(stores, FakeClock(datetime.now(UTC)), 7, "active")
    stranger = Caller(
        http, await make(ActorKind.PATIENT, other["ins"]["matricule"], "space:manage")
    )
    doctor = await professional(make, http, MOREAU_RPPS, SCOPES)
    read, chose = (
        await stranger.post(NEWS, {"p": CAMILLE}),
        await stranger.post(CHOOSE, {"p": CAMILLE}),
    )
    assert (read["data"] or {}).get("notificationPreferences") is None
    assert {e["extensions"]["code"] for e in read["errors"]} == {"NOT_FOUND"}
    assert chose["data"]["setNotificationPreference"]["code"] == "NOT_FOUND"
    for body in [
        await doctor.post(NEWS, {"p": CAMILLE}),
        await doctor.post(CHOOSE, {"p": CAMILLE}),
    ]:
        assert {e["extensions"]["code"] for e in body["errors"]} == {"INSUFFICIENT_SCOPE"}
    assert await stores.news_preferences.of_patient(CAMILLE) == {}
    denied = db["access_events"].count_documents(
        {"patient_id": CAMILLE, "outcome": "denied", "action": {"$regex": "^notifications"}}
    )
    assert denied == 2


def test_the_database_refuses_a_malformed_trace(
    app: Starlette, db: Database[dict[str, Any]]
) -> None:
    with pytest.raises(WriteError):
        db["access_events"].insert_one({"_id": "x", "patient_id": CAMILLE, "action": "read"})


def test_no_code_updates_or_deletes_the_history() -> None:
    touching = re.compile(r"access_events[\w.]*\.(update|replace|delete|find_one_and|bulk_write)")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("api", "schema", "resolvers", "storage")
        for path in (ROOT / folder).rglob("*.py")
        if touching.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


async def test_the_patient_lookups_hand_nobody_anothers_patient(
    app: Starlette, http: httpx.AsyncClient, make: TokenFactory
) -> None:
    """By INS and in the professional's own list: an unrelated professional learns that Camille
    has a space (TD0.2) but stands nowhere and may read nothing; an app and another patient are
    refused; nobody's list holds her."""
    camille = await app.state.services.running.stores.patients.get(CAMILLE)
    moreau = await professional(make, http, MOREAU_RPPS, "patients:find documents:read")
    found = (await moreau.data(FIND, find_variables(camille)))["findPatient"]
    assert (found["standing"], found["nextActions"]) == ("NO_ACCESS", ["REQUEST_CONSENT"])
    mine = await moreau.data(MY_PATIENTS, {})
    assert CAMILLE not in str(mine)
    for caller in (await attackers(app, http, make))[1:]:  # the app, the other patient
        for query, variables in ((FIND, find_variables(camille)), (MY_PATIENTS, {})):
            body = await caller.post(query, variables)
            assert not any((body.get("data") or {}).values()), body
            assert {e["extensions"]["code"] for e in body["errors"]} == {"INSUFFICIENT_SCOPE"}
