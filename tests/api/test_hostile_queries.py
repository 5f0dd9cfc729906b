"""Hostile GraphQL: costly documents, introspection, batches and oversized pages, each refused
before anything runs, with its own code; and the ordinary documents still served.

(Depth, aliases and tokens: ``test_graphql_http.py``; CSRF on multipart uploads:
``test_documents.py``.)
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import parse
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from resolvers.core.actors import ActorKind
from resolvers.core.pagination import DEFAULT_PAGE
from schema import SchemaLimits, build_schema
from schema.extensions.cost import LIST_WEIGHT, operation_cost
from tests.tokens import seed, token_factory

CAMILLE_INS = "285034410912329"
NESTED = """query($first: Int, $inner: Int) {
  conversations(first: $first) { edges { node { id
    messages(first: $inner) { edges { node { id body } } } } } } }"""


@pytest.fixture
async def guarded(settings: Settings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The app with a low cost limit and introspection for authenticated callers only."""
    strict = settings.model_copy(
        update={"graphql_max_cost": 500, "graphql_introspection": "authenticated"}
    )
    application: Starlette = create_app(strict)
    async with application.router.lifespan_context(application):
        await seed(application)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield application, client


async def bearer(app: Starlette, scope: str = "messages:read") -> dict[str, str]:
    token = await token_factory(app)(ActorKind.PATIENT, CAMILLE_INS, scope)
    return {"authorization": f"Bearer {token}"}


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_cost_multiplies_lists_by_their_page_size() -> None:
    schema = build_schema(SchemaLimits())._schema
    document = parse(NESTED)
    # conversations (1) + per conversation: edges, node, id, messages (4) + per message: 4
    assert operation_cost(schema, document, None, {"first": 10, "inner": 10}) == 1 + 10 * (
        4 + 10 * 4
    )
    absent = operation_cost(schema, document, None, {})
    assert absent == 1 + DEFAULT_PAGE * (4 + DEFAULT_PAGE * 4)
    # a page larger than any the API serves is counted as the largest (the field refuses it)
    assert operation_cost(schema, document, None, {"first": 10**9, "inner": 1}) == 1 + 100 * (4 + 4)
    unpaginated = parse("{ measurementTypes { code units } }")
    assert operation_cost(schema, unpaginated, None, {}) == 1 + LIST_WEIGHT * 2
    assert operation_cost(schema, parse("{ __schema { types { name } } }"), None, {}) == 0


async def test_a_costly_document_is_refused_before_it_runs(
    guarded: tuple[Starlette, httpx.AsyncClient],
) -> None:
    app, client = guarded
    headers = await bearer(app)
    refused = await post(client, NESTED, {"first": 100, "inner": 100}, headers)
    assert codes(refused) == ["QUERY_TOO_COSTLY"]
    error = refused["errors"][0]
    assert error["extensions"]["maxCost"] == 500
    assert error["extensions"]["cost"] > 500
    assert "data" not in refused or refused["data"] is None
    # the same document with small pages runs
    served = await post(client, NESTED, {"first": 5, "inner": 5}, headers)
    assert "errors" not in served, served
    assert served["data"]["conversations"] == {"edges": []}  # ran (the test set has no messages)


async def test_the_cost_follows_the_variables_and_the_default_page(
    guarded: tuple[Starlette, httpx.AsyncClient],
) -> None:
    app, client = guarded
    headers = await bearer(app)
    # 1 + first x (4 + inner x 4), the page defaulting to 20: over 500 unless the pages are small
    for variables, allowed in [
        ({"first": 2}, True),  # 1 + 2 x (4 + 20 x 4) = 169
        ({"first": 10, "inner": 20}, False),  # 841
        ({}, False),  # 1681
        ({"first": 5, "inner": 20}, True),  # 421
    ]:
        body = await post(client, NESTED, variables, headers)
        assert codes(body) == ([] if allowed else ["QUERY_TOO_COSTLY"]), (variables, body)


async def test_repeated_fragment_spreads_are_costed_once_each(
    guarded: tuple[Starlette, httpx.AsyncClient],
) -> None:
    """A fragment "bomb" (each level spreading the next twice: 2^25 fields) is refused at once,
    its cost computed in linear time."""
    _, client = guarded
    levels = 25
    fragments = [f"fragment F{levels} on ServiceInfo {{ name }}"] + [
        f"fragment F{i} on ServiceInfo {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    ]
    query = "{ service { ...F0 } } " + " ".join(fragments)
    started = time.perf_counter()
    body = await post(client, query)
    assert time.perf_counter() - started < 2
    assert codes(body) == ["QUERY_TOO_COSTLY"]


async def test_depth_and_aliases_are_measured_once_per_fragment(http: httpx.AsyncClient) -> None:
    """The same bomb against the depth and alias limits (Strawberry's own limiters walked every
    path: minutes of CPU for this document of 300 tokens)."""
    levels = 25
    fragments = [f"fragment F{levels} on ServiceInfo {{ a: name }}"] + [
        f"fragment F{i} on ServiceInfo {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    ]
    started = time.perf_counter()
    body = await post(http, "{ service { ...F0 } } " + " ".join(fragments))
    assert time.perf_counter() - started < 2
    assert codes(body) == ["TOO_MANY_ALIASES"]
    assert str(2**levels) in body["errors"][0]["message"]


async def test_introspection_needs_a_token_where_the_policy_says_so(
    guarded: tuple[Starlette, httpx.AsyncClient],
) -> None:
    app, client = guarded
    for query in ("{ __schema { queryType { name } } }", '{ __type(name: "Patient") { name } }'):
        anonymous = await post(client, query)
        assert codes(anonymous) == ["INTROSPECTION_DISABLED"], anonymous
        assert "data" not in anonymous or anonymous["data"] is None
        authenticated = await post(client, query, headers=await bearer(app))
        assert "errors" not in authenticated, authenticated
    # __typename is not introspection: every client needs it
    assert await post(client, "{ __typename }") == {"data": {"__typename": "Query"}}


async def test_introspection_can_be_switched_off_for_everyone(settings: Settings) -> None:
    application: Starlette = create_app(
        settings.model_copy(update={"graphql_introspection": "off"})
    )
    async with application.router.lifespan_context(application):
        await seed(application)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            body = await post(
                client, "{ __schema { queryType { name } } }", headers=await bearer(application)
            )
    assert codes(body) == ["INTROSPECTION_DISABLED"]


async def test_introspection_is_open_while_developing_for_graphiql(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    assert settings.introspection == "on"
    body = await post(http, "{ __schema { queryType { name } } }")
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


def test_production_settings_admit_introspection_for_token_holders_only(
    settings: Settings,
) -> None:
    assert settings.model_copy(update={"stack": "external"}).introspection == "authenticated"
    explicit = settings.model_copy(update={"stack": "external", "graphql_introspection": "on"})
    assert explicit.introspection == "on"


async def test_a_batch_is_refused_with_its_own_code(http: httpx.AsyncClient) -> None:
    for batch in (
        [{"query": "{ service { name } }"}],
        [{"query": "{ service { name } }"}, {"query": "{ __typename }"}],
    ):
        response = await http.post("/graphql", json=batch)
        assert response.status_code == 400
        assert codes(response.json()) == ["BATCHING_NOT_SUPPORTED"]


@pytest.mark.parametrize("first", [0, -1, 101, 2**31 - 1])
async def test_page_sizes_are_capped(http: httpx.AsyncClient, first: int) -> None:
    body = await post(http, "query($f: Int) { catalogue(first: $f) { totalCount } }", {"f": first})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == "first"
