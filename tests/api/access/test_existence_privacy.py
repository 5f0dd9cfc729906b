"""Whether a patient exists is itself health information (a space, a record, a mailbox): someone
not allowed to see Camille must get, for her id, the very answer a random id gets — byte for
byte, request ids aside — whatever they try: read, list, write, message, download.

One exception, by design (docs/messaging.md): any professional may write to any open space, as
with a letter, so a professional learns that an open space's mailbox exists; the messaging
attempts are therefore made by another patient only.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from resolvers.access.scopes import SCOPES
from resolvers.core.actors import ActorKind
from storage.ids import new_id
from tests.api.documents_support import CAMILLE, MOREAU_RPPS
from tests.api.lookup_support import FIND, find_variables
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import TokenFactory, seed, token_factory

MESSAGING = ("unreadMessageCount", "conversations(", "startConversation")


def every_scope(kind: ActorKind) -> str:
    """Every scope the kind may hold: only the access policy stands in the way."""
    return " ".join(scope.name for scope in SCOPES if kind in scope.kinds)


ATTEMPTS = [
    "query($p: ID!) { patient(id: $p) { identity { birthNames } } }",
    "query($p: ID!) { patient(id: $p) { documents { totalCount } } }",
    "query($p: ID!) { patient(id: $p) { profile { allergies { id } } } }",
    "query($p: ID!) { patient(id: $p) { accessHistory { totalCount } } }",
    "query($p: ID!) { unreadMessageCount(patientId: $p) }",
    "query($p: ID!) { conversations(filter: {patientId: $p}) { totalCount } }",
    "query($p: ID!) { pairings(patientId: $p) { id } }",
    (
        'mutation($p: ID!) { addProfileEntry(patientId: $p, entry: {allergy: {substance: "x"}})'
        " { __typename ... on ProfileError { code message field } } }"
    ),
    (
        'mutation($p: ID!) { recordMeasurement(patientId: $p, input: {code: "8867-4", '
        'unit: "/min", value: 60, measuredAt: "2026-01-01T00:00:00Z"}) '
        "{ __typename ... on ProfileError { code message field } } }"
    ),
    (
        'mutation($p: ID!) { startConversation(input: {patientId: $p, subject: "s", body: "b"})'
        " { __typename ... on MessagingError { code message field } } }"
    ),
    (
        "mutation($p: ID!) { closeSpace(patientId: $p) "
        "{ __typename ... on SpaceError { code message field } } }"
    ),
    "mutation($p: ID!) { createAgendaFeed(patientId: $p) { __typename } }",
    "query($p: ID!) { notificationPreferences(patientId: $p) { kind enabled } }",
    (
        "mutation($p: ID!) { setNotificationPreference(patientId: $p, channel: EMAIL, "
        "kind: MESSAGE, enabled: false) { __typename ... on SpaceError { code message field } } }"
    ),
]


def normalised(body: dict[str, Any]) -> str:
    """The answer without what differs between any two requests (request ids)."""
    return re.sub(r'"requestId":\s*"[^"]*"', '"requestId":"…"', str(body).replace("'", '"'))


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


@pytest.mark.parametrize("caller", ["professional", "patient"])
@pytest.mark.parametrize("query", ATTEMPTS)
async def test_a_hidden_patient_and_a_missing_one_get_the_same_answer(
    app: Starlette,
    http: httpx.AsyncClient,
    make: TokenFactory,
    query: str,
    caller: str,
) -> None:
    if caller == "professional":
        if any(name in query for name in MESSAGING):
            pytest.skip("a professional may write to any open space (docs/messaging.md)")
        token = await make(ActorKind.PROFESSIONAL, MOREAU_RPPS, every_scope(ActorKind.PROFESSIONAL))
    else:
        clock = FakeClock(datetime.now(UTC))
        other = await make_patient(app.state.services.running.stores, clock, 7, "active")
        token = await make(
            ActorKind.PATIENT, other["ins"]["matricule"], every_scope(ActorKind.PATIENT)
        )
    headers = {"authorization": f"Bearer {token}"}
    answers = []
    for patient_id in (CAMILLE, new_id()):
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": {"p": patient_id}},
            headers=headers,
        )
        assert "data" in response.json(), response.text  # it ran: the comparison means something
        answers.append((response.status_code, normalised(response.json())))
    assert answers[0] == answers[1], answers


async def test_a_hidden_document_and_a_missing_one_get_the_same_download_answer(
    http: httpx.AsyncClient, make: TokenFactory
) -> None:
    camille = await make(ActorKind.PATIENT, "285034410912329", "documents:read")
    listed = await http.post(
        "/graphql",
        json={
            "query": "query($p: ID!) { patient(id: $p) { documents { edges { node { id } } } } }",
            "variables": {"p": CAMILLE},
        },
        headers={"authorization": f"Bearer {camille}"},
    )
    document_id = listed.json()["data"]["patient"]["documents"]["edges"][0]["node"]["id"]
    token = await make(ActorKind.PROFESSIONAL, MOREAU_RPPS, "documents:read")
    headers = {"authorization": f"Bearer {token}"}
    hidden = await http.get(f"/documents/{document_id}/content", headers=headers)
    missing = await http.get(f"/documents/{new_id()}/content", headers=headers)
    assert (hidden.status_code, normalised(hidden.json())) == (
        missing.status_code,
        normalised(missing.json()),
    )
    url = "mutation($d: ID!) { issueDocumentUrl(documentId: $d) { __typename } }"
    answers = [
        normalised(
            (
                await http.post(
                    "/graphql", json={"query": url, "variables": {"d": d}}, headers=headers
                )
            ).json()
        )
        for d in (document_id, new_id())
    ]
    assert answers[0] == answers[1]


async def test_finding_by_ins_tells_nothing_of_a_space_its_traits_do_not_match(
    app: Starlette, http: httpx.AsyncClient, make: TokenFactory
) -> None:
    """findPatient tells a professional that a space exists (its purpose: TD0.2), but only to
    one who knows the person's INS *and* traits: with any trait wrong, Camille's INS answers what
    an INS nobody has answers; a patient's token is refused alike for both."""
    stores = app.state.services.running.stores
    camille = await stores.patients.get(CAMILLE)
    other = await make_patient(stores, FakeClock(datetime.now(UTC)), 9, "active")
    ghost = await make_patient(stores, FakeClock(datetime.now(UTC)), 8, "active")
    await stores.patients.delete(ghost["_id"])
    professional = await make(ActorKind.PROFESSIONAL, MOREAU_RPPS, "patients:find")
    patient = await make(
        ActorKind.PATIENT, other["ins"]["matricule"], every_scope(ActorKind.PATIENT)
    )
    for token in (professional, patient):
        answers = []
        for person in (camille, ghost):
            variables = find_variables(person, birthDate="1901-01-01")
            response = await http.post(
                "/graphql",
                json={"query": FIND, "variables": variables},
                headers={"authorization": f"Bearer {token}"},
            )
            answers.append((response.status_code, normalised(response.json())))
        assert answers[0] == answers[1], answers
