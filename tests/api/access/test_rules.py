"""The patient's say over access, end to end: consent, blocking (on the very next request), the
care-team objection, emergency access (notified, flagged, expiring on time, refused when
objected), and the access history (who reads it, paginated, filtered)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo.database import Database
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from tests.api.documents_support import (
    BENALI,
    BENALI_RPPS,
    CAMILLE,
    LEFEVRE,
    MOREAU_RPPS,
    Caller,
    add_to_care_team,
    patient,
    professional,
)
from tests.support import FakeClock
from tests.tokens import TokenFactory, seed, token_factory

MOREAU_SCOPES = "documents:read documents:write emergency audit:read"
READ = "query($p: ID!) { patient(id: $p) { documents { totalCount } } }"
ACCESS = """
mutation($p: ID!, $pro: ID!, $consent: Boolean, $blocked: Boolean) {
  setProfessionalAccess(patientId: $p, professionalId: $pro, consent: $consent, blocked: $blocked)
  { __typename ... on ProfessionalAccess { consent blocked } ... on AccessError { code } }
}
"""
EMERGENCY = """
mutation($p: ID!, $r: String!) { declareEmergencyAccess(patientId: $p, reason: $r) {
  __typename ... on EmergencyAccess { expiresAt } ... on AccessError { code message } } }
"""
HISTORY = """
query($p: ID!, $f: AccessHistoryFilter, $first: Int, $after: String) {
  patient(id: $p) { accessHistory(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { action outcome emergency actor { id kind clientId } } } } }
}
"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[Starlette]:
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        await seed(application)
        yield application


@pytest.fixture
def make(app: Starlette) -> TokenFactory:
    return token_factory(app)


async def moreau_id(app: Starlette) -> str:
    pro = await app.state.services.running.stores.professionals.by_rpps(MOREAU_RPPS)
    return str(pro["_id"])


async def reaches(caller: Caller) -> bool:
    body = await caller.post(READ, {"p": CAMILLE})
    return bool(body["data"] and body["data"]["patient"])


async def test_consent_and_block_take_effect_on_the_next_request(
    app: Starlette, http: httpx.AsyncClient, make: TokenFactory
) -> None:
    camille = await patient(make, http, "documents:read space:manage profile:write")
    moreau = await professional(make, http, MOREAU_RPPS)
    lefevre = await professional(make, http)
    moreau_pro = await moreau_id(app)
    assert not await reaches(moreau)  # no care relationship
    granted = await camille.data(ACCESS, {"p": CAMILLE, "pro": moreau_pro, "consent": True})
    assert granted["setProfessionalAccess"] == {
        "__typename": "ProfessionalAccess",
        "consent": True,
        "blocked": False,
    }
    assert await reaches(moreau)
    await camille.data(ACCESS, {"p": CAMILLE, "pro": moreau_pro, "consent": False})
    assert not await reaches(moreau)
    # the primary physician, blocked: nothing at once, though still in the care team
    assert await reaches(lefevre)
    await camille.data(ACCESS, {"p": CAMILLE, "pro": LEFEVRE, "blocked": True})
    assert not await reaches(lefevre)
    await camille.data(ACCESS, {"p": CAMILLE, "pro": LEFEVRE, "blocked": False})
    assert await reaches(lefevre)
    # someone else cannot change Camille's choices
    refused = await moreau.post(ACCESS, {"p": CAMILLE, "pro": moreau_pro, "consent": True})
    assert refused["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
    # the care-team objection: Benali, who follows her, loses the deemed authorisation
    await add_to_care_team(camille, BENALI)
    benali = await professional(make, http, BENALI_RPPS)
    assert await reaches(benali)
    objected = await camille.data(
        "mutation { setAccessObjections(patientId: "
        f'"{CAMILLE}", careTeam: true) {{ ... on AccessAuthorisations {{ careTeamObjected '
        "careTeam { professionalId role } professionals { professionalId blocked } } } }"
    )
    assert objected["setAccessObjections"]["careTeamObjected"] is True
    assert {"professionalId": BENALI, "role": "follows"} in objected["setAccessObjections"][
        "careTeam"
    ]
    assert not await reaches(benali)


async def test_emergency_access_is_notified_flagged_and_ends_on_time(
    app: Starlette,
    http: httpx.AsyncClient,
    make: TokenFactory,
    clock: FakeClock,
    db: Database[dict[str, Any]],
) -> None:
    camille = await patient(make, http, "documents:read documents:write space:manage audit:read")
    secret = await (await professional(make, http)).deposited(title="Masqué")
    await camille.mutate(
        "hideDocumentFromProfessionals",
        "documentId: $documentId, hidden: $hidden",
        {"documentId": secret["id"], "hidden": True},
    )
    moreau = await professional(make, http, MOREAU_RPPS, MOREAU_SCOPES)
    assert not await reaches(moreau)
    empty = await moreau.data(EMERGENCY, {"p": CAMILLE, "r": "  "})
    assert empty["declareEmergencyAccess"]["code"] == "BAD_USER_INPUT"
    declared = await moreau.data(EMERGENCY, {"p": CAMILLE, "r": "Inconsciente aux urgences"})
    assert declared["declareEmergencyAccess"]["__typename"] == "EmergencyAccess"
    assert "Masqué" in await moreau.titles()  # hidden documents too, in an emergency
    held = db["patients"].find_one({"_id": CAMILLE})
    assert held is not None
    # the patient's news (docs/notifications.md): recorded, mailed under her preferences
    assert db["news_events"].find_one({"patient_id": CAMILLE, "kind": "emergency_access"})
    told = db["outbox"].find_one({"template": "emergency-access-physician"})
    assert told is not None
    assert told["email"] == "lefevre@mssante.example"
    flagged = list(db["access_events"].find({"actor.id": await moreau_id(app)}))
    assert {e["action"] for e in flagged if e["emergency"]} >= {
        "emergency.declared",
        "documents.listed",
    }
    clock.advance(timedelta(hours=3, minutes=59))
    moreau = await professional(make, http, MOREAU_RPPS, MOREAU_SCOPES)  # a fresh token
    assert await reaches(moreau)
    clock.advance(timedelta(minutes=1, seconds=1))
    assert not await reaches(moreau)  # expired on time
    # objected beforehand: refused, and the attempt is traced
    camille = await patient(make, http, "space:manage")  # a fresh token
    await camille.data(
        f'mutation {{ setAccessObjections(patientId: "{CAMILLE}", emergency: true) '
        "{ __typename } }"
    )
    refused = await moreau.data(EMERGENCY, {"p": CAMILLE, "r": "Inconsciente"})
    assert refused["declareEmergencyAccess"]["code"] == "NOT_FOUND"  # like an unknown patient
    assert not await reaches(moreau)
    last = db["access_events"].find_one({"action": "emergency.declared"}, sort=[("at", -1)])
    assert last is not None
    assert (last["outcome"], last["emergency"]) == ("denied", True)


async def test_a_patient_without_an_email_address_is_told_of_an_emergency_by_post(
    http: httpx.AsyncClient, make: TokenFactory, db: Database[dict[str, Any]]
) -> None:
    """The news is mailed; without an address she is still told afterwards (L1111-17), by
    letter, whatever mail preferences say."""
    db["patients"].update_one({"_id": CAMILLE}, {"$set": {"email": None}})
    moreau = await professional(make, http, MOREAU_RPPS, MOREAU_SCOPES)
    declared = await moreau.data(EMERGENCY, {"p": CAMILLE, "r": "Inconsciente aux urgences"})
    assert declared["declareEmergencyAccess"]["__typename"] == "EmergencyAccess"
    held = db["patients"].find_one({"_id": CAMILLE})
    assert held is not None
    assert [n["template"] for n in held["space"]["notices"]] == ["emergency-access"]
    assert db["news_events"].count_documents({"patient_id": CAMILLE}) == 0


async def test_the_history_for_the_patient_the_physician_and_the_actor(
    app: Starlette, http: httpx.AsyncClient, make: TokenFactory
) -> None:
    camille = await patient(make, http, "documents:read audit:read profile:write")
    lefevre = await professional(make, http, scope="documents:read audit:read")
    moreau = await professional(make, http, MOREAU_RPPS, MOREAU_SCOPES)
    moreau_pro = await moreau_id(app)
    for _ in range(3):
        assert not await reaches(moreau)  # three refused attempts
    await lefevre.titles()
    await add_to_care_team(camille, BENALI)
    mine = await camille.data(HISTORY, {"p": CAMILLE, "f": {"actorId": moreau_pro}, "first": 2})
    page = mine["patient"]["accessHistory"]
    assert page["totalCount"] == 3
    assert page["pageInfo"]["hasNextPage"] is True
    assert {e["node"]["outcome"] for e in page["edges"]} == {"DENIED"}
    rest = await camille.data(
        HISTORY,
        {"p": CAMILLE, "f": {"actorId": moreau_pro}, "after": page["pageInfo"]["endCursor"]},
    )
    assert len(rest["patient"]["accessHistory"]["edges"]) == 1
    by_physician = await lefevre.data(HISTORY, {"p": CAMILLE})
    assert by_physician["patient"]["accessHistory"]["totalCount"] >= 5
    benali = await professional(make, http, BENALI_RPPS, "documents:read audit:read")
    denied = await benali.post(HISTORY, {"p": CAMILLE})
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    own = await moreau.data(
        "query($f: AccessHistoryFilter) { myAccessHistory(filter: $f) { totalCount "
        "edges { node { actor { id } patientId } } } }",
        {"f": {"patientId": CAMILLE}},
    )
    # his refused attempts are not in his own history: they would tell him Camille exists
    assert own["myAccessHistory"]["totalCount"] == 0
