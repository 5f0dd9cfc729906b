"""The catalogue from the operator's side: drafts are invisible and unpairable, referenced terms
are frozen, input is checked; and a consent that runs out stops the app's tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from resolvers.catalogue import pairings
from resolvers.core.actors import ActorKind
from resolvers.demo.seed import stable_id
from tests.api.documents_support import Caller
from tests.catalogue_support import APP_INPUT, CREATE, STATUS
from tests.oauth_support import CALLBACK
from tests.support import FakeClock
from tests.tokens import seed, token_factory

UPDATE = """
mutation($id: ID!, $input: CatalogueAppInput!) { updateCatalogueApp(id: $id, input: $input) {
  __typename ... on CatalogueApp { name status } ... on CatalogueError { code field } } }
"""
ONE = "query($id: ID!) { catalogueApp(id: $id) { name status } }"


@pytest.fixture
async def admin(app: Starlette, http: httpx.AsyncClient) -> Caller:
    await seed(app)
    return Caller(http, await token_factory(app)(ActorKind.OPERATOR, None, "catalogue:admin"))


async def create(admin: Caller, **changes: Any) -> dict[str, Any]:
    data = await admin.data(CREATE, {"input": {**APP_INPUT, **changes}})
    result: dict[str, Any] = data["createCatalogueApp"]
    return result


async def test_a_draft_is_invisible_until_referenced_and_only_a_draft_changes(
    admin: Caller, http: httpx.AsyncClient
) -> None:
    draft = (await create(admin))["app"]
    anonymous = Caller(http, "")
    hidden = await http.post("/graphql", json={"query": ONE, "variables": {"id": draft["id"]}})
    assert hidden.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await http.post("/graphql", json={"query": "{ catalogue { totalCount } }"})).json()[
        "data"
    ]["catalogue"]["totalCount"] == 0
    assert anonymous.token == ""
    # no pairing with a draft: its client is refused
    page = await http.get(
        "/oauth/authorize",
        params={"response_type": "code", "client_id": draft["clientId"],
                "redirect_uri": CALLBACK, "code_challenge": "x" * 43,
                "code_challenge_method": "S256"},
    )  # fmt: skip
    assert page.status_code == 400
    renamed = await admin.data(
        UPDATE, {"id": draft["id"], "input": {**APP_INPUT, "name": "Glyco+"}}
    )
    assert renamed["updateCatalogueApp"] == {
        "__typename": "CatalogueApp",
        "name": "Glyco+",
        "status": "DRAFT",
    }
    await admin.data(STATUS, {"id": draft["id"], "status": "REFERENCED"})
    frozen = await admin.data(UPDATE, {"id": draft["id"], "input": APP_INPUT})
    assert frozen["updateCatalogueApp"]["code"] == "CONFLICT"
    listed = await http.post(
        "/graphql", json={"query": '{ catalogue(domain: MEDICAL_FOLLOW_UP, search: "glyco+") '
                          "{ totalCount edges { node { name } } } }"},
    )  # fmt: skip
    assert listed.json()["data"]["catalogue"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"categories": [{"scope": "messages:read", "justification": "x"}]}, "categories"),
        ({"categories": [{"scope": "profile.identity:read", "justification": "x"}]}, "categories"),
        ({"categories": []}, "categories"),
        ({"categories": [{"scope": "agenda:read", "justification": " "}]}, "categories"),
        ({"retentionDays": 0}, "retentionDays"),
        ({"consentDays": 4000}, "consentDays"),
        ({"name": "  "}, "name"),
        ({"redirectUris": ["http://example.com/cb"]}, "redirectUris"),
        ({"redirectUris": []}, "redirectUris"),
    ],
)
async def test_terms_are_checked_and_nothing_is_written_when_refused(
    admin: Caller, app: Starlette, changes: dict[str, Any], field: str
) -> None:
    refused = await create(admin, **changes)
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "CatalogueError",
        "BAD_USER_INPUT",
        field,
    )
    stores = app.state.services.running.stores
    assert await stores.catalogue.count({}) == 0
    assert await stores.oauth_clients.count({"kind": "app"}) == 0


async def test_only_catalogue_administrators_change_the_catalogue(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    await seed(app)
    make = token_factory(app)
    for kind, login in ((ActorKind.PATIENT, "285034410912329"), (ActorKind.OPERATOR, None)):
        caller = Caller(http, await make(kind, login, "openid" if login else "admin"))
        answer = await caller.post(CREATE, {"input": APP_INPUT})
        assert answer["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"


async def test_a_consent_that_runs_out_gives_no_more_tokens(admin: Caller, app: Starlette) -> None:
    created = (await create(admin, consentDays=30))["app"]
    await admin.data(STATUS, {"id": created["id"], "status": "REFERENCED"})
    stores = app.state.services.running.stores
    clock = FakeClock(datetime.now(UTC))
    camille = stable_id("patient:camille")
    scopes = ["openid", "documents:read"]
    assert await pairings.record_consent(stores, clock, camille, created["clientId"], scopes)
    assert await pairings.check_active(stores, clock, camille, created["clientId"])
    clock.advance(timedelta(days=30, seconds=1))
    assert not await pairings.check_active(stores, clock, camille, created["clientId"])
