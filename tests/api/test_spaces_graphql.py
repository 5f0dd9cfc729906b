"""The space's lifecycle through GraphQL: public mutations with codes, the holder's with a token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from resolvers.core.actors import ActorKind
from resolvers.spaces.due import run_due
from resolvers.spaces.lifecycle import notice
from tests.spaces_support import SIX_WEEKS, Outbox, make_patient, send_notice
from tests.support import FakeClock, GraphQLClient
from tests.tokens import token_factory

OBJECT = """mutation($ins: String!, $code: String!) {
  objectToSpace(input: {ins: $ins, objectionCode: $code}) {
    __typename
    ... on SpaceChange { status }
    ... on SpaceError { code message field }
  }
}"""
ACTIVATE = """mutation($ins: String!, $code: String!, $password: String!) {
  activateSpace(input: {ins: $ins, activationCode: $code, password: $password}) {
    __typename
    ... on SpaceChange { patientId status }
    ... on SpaceError { code message }
  }
}"""
CLOSE = """mutation($id: ID!) {
  closeSpace(patientId: $id) { ... on SpaceChange { status } ... on SpaceError { code } }
}"""
SPACE = "query($id: ID!) { patient(id: $id) { space { status archiveUntil openingDate } } }"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[Starlette]:
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


async def test_a_person_objects_and_then_activation_is_impossible(
    app: Starlette, gql: GraphQLClient, clock: FakeClock
) -> None:
    stores = app.state.services.running.stores
    outbox = Outbox()
    patient = await make_patient(stores, clock, 1, notices=[notice("provisioning-notice")])
    code = await send_notice(stores, clock, outbox, patient)
    ins = patient["ins"]["matricule"]
    wrong = await gql.data(OBJECT, {"ins": ins, "code": "AAAAA-AAAAA"})
    assert wrong["objectToSpace"]["__typename"] == "SpaceError"
    assert wrong["objectToSpace"]["code"] == "INVALID_CODE"
    nobody = await gql.data(OBJECT, {"ins": "255081416802538", "code": code})
    assert nobody == wrong  # the same answer: nothing is learnt about who has a space
    done = await gql.data(OBJECT, {"ins": ins, "code": code})
    assert done["objectToSpace"] == {"__typename": "SpaceChange", "status": "OBJECTED"}
    clock.advance(SIX_WEEKS)
    await run_due(stores, clock)
    refused = await gql.data(ACTIVATE, {"ins": ins, "code": code, "password": "x" * 12})
    assert refused["activateSpace"]["code"] == "INVALID_CODE"


async def test_activation_then_the_holder_reads_and_closes_their_space(
    app: Starlette, gql: GraphQLClient, clock: FakeClock
) -> None:
    stores = app.state.services.running.stores
    outbox = Outbox()
    patient = await make_patient(stores, clock, 1)
    clock.advance(SIX_WEEKS)
    await run_due(stores, clock)
    code = await send_notice(stores, clock, outbox, patient)
    ins = patient["ins"]["matricule"]
    weak = await gql.data(ACTIVATE, {"ins": ins, "code": code, "password": "short"})
    assert weak["activateSpace"]["code"] == "BAD_USER_INPUT"
    active = await gql.data(
        ACTIVATE, {"ins": ins, "code": code, "password": "un mot de passe solide"}
    )
    assert active["activateSpace"] == {
        "__typename": "SpaceChange",
        "patientId": patient["_id"],
        "status": "ACTIVE",
    }
    make = token_factory(app)
    manage = await make(ActorKind.PATIENT, ins, "space:manage")
    headers = {"authorization": f"Bearer {manage}"}
    space = await gql.post(SPACE, {"id": patient["_id"]}, headers=headers)
    assert space.data == {
        "patient": {
            "space": {"status": "ACTIVE", "archiveUntil": None, "openingDate": "2026-04-13"}
        }
    }
    closed = await gql.post(CLOSE, {"id": patient["_id"]}, headers=headers)
    assert closed.data == {"closeSpace": {"status": "CLOSED"}}


async def test_managing_a_space_needs_its_scope(
    app: Starlette, gql: GraphQLClient, clock: FakeClock
) -> None:
    stores = app.state.services.running.stores
    patient = await make_patient(stores, clock, 1, "active")
    token = await token_factory(app)(ActorKind.PATIENT, patient["ins"]["matricule"], "openid")
    answer = await gql.post(
        CLOSE, {"id": patient["_id"]}, headers={"authorization": f"Bearer {token}"}
    )
    assert answer.data == {"closeSpace": None}
    assert answer.errors[0]["extensions"] == {
        "code": "INSUFFICIENT_SCOPE",
        "missingScopes": ["space:manage"],
    }
    unchanged = await stores.patients.get(patient["_id"])
    assert unchanged is not None
    assert unchanged["space"]["status"] == "active"
    anonymous = await gql.post(CLOSE, {"id": patient["_id"]})
    assert anonymous.codes == ["UNAUTHENTICATED"]


async def test_a_parent_sees_and_acts_for_their_child(
    app: Starlette, gql: GraphQLClient, clock: FakeClock
) -> None:
    stores = app.state.services.running.stores
    parent = await make_patient(stores, clock, 1, "active")
    child = await make_patient(stores, clock, 2, "open", born=date(2008, 3, 4))  # 18 in 2 days
    make = token_factory(app)
    admin = await make(ActorKind.OPERATOR, None, "admin")
    added = await gql.post(
        "mutation($id: ID!, $ins: String!) { addRepresentative(patientId: $id, "
        'representativeIns: $ins, relation: "parent") { __typename } }',
        {"id": child["_id"], "ins": parent["ins"]["matricule"]},
        headers={"authorization": f"Bearer {admin}"},
    )
    assert added.data == {"addRepresentative": {"__typename": "SpaceChange"}}
    token = await make(
        ActorKind.PATIENT, parent["ins"]["matricule"], "profile.identity:read space:manage"
    )
    headers = {"authorization": f"Bearer {token}"}
    me = await gql.post("{ me { represented { id identity { birthNames } } } }", headers=headers)
    assert me.data == {
        "me": {"represented": [{"id": child["_id"], "identity": {"birthNames": "NOM2"}}]}
    }
    closed = await gql.post(CLOSE, {"id": child["_id"]}, headers=headers)
    assert closed.data == {"closeSpace": {"status": "CLOSED"}}
    clock.advance(timedelta(days=2))  # the child turns 18: the parent's role ends
    token = await make(ActorKind.PATIENT, parent["ins"]["matricule"], "space:manage")
    headers = {"authorization": f"Bearer {token}"}
    assert (await gql.post(SPACE, {"id": child["_id"]}, headers=headers)).codes == ["NOT_FOUND"]
    me = await gql.post("{ me { represented { id } } }", headers=headers)
    assert me.data == {"me": {"represented": []}}
