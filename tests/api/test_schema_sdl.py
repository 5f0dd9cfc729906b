"""The schema where developers look: SDL with its directives at ``/graphql/schema.graphql``, and
each guarded field's scopes in its description as introspection (GraphiQL, codegen) shows it,
both generated from the declaration that enforces them."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from graphql import build_client_schema, get_introspection_query
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from schema import SchemaLimits, build_schema
from schema.core.permissions import AUTHENTICATED_NOTE, scopes_note
from schema.core.scopes_doc import guarded_fields
from tests.api.test_hostile_queries import bearer
from tests.tokens import seed

SDL = "/graphql/schema.graphql"


async def test_the_served_sdl_is_the_schema_with_its_directives(http: httpx.AsyncClient) -> None:
    response = await http.get(SDL)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    schema = build_schema(SchemaLimits())
    assert response.text == str(schema)
    assert "directive @requiresScopes(scopes: [String!]!) on FIELD_DEFINITION" in response.text
    assert '@requiresScopes(scopes: ["documents:read"])' in response.text


async def test_introspection_shows_each_guarded_fields_scopes_in_its_description(
    http: httpx.AsyncClient,
) -> None:
    answer = await http.post("/graphql", json={"query": get_introspection_query()})
    introspected = build_client_schema(answer.json()["data"])
    guarded = guarded_fields(build_schema(SchemaLimits()))  # from the @requiresScopes directives
    needs: dict[str, list[str]] = {}
    for scope, names in guarded.items():
        for name in names:
            needs.setdefault(name, []).append(scope)
    assert needs, "the schema has guarded fields"
    for name, scopes in needs.items():
        type_name, field_name = name.split(".")
        field = introspected.get_type(type_name).fields[field_name]  # type: ignore[union-attr]
        note = (field.description or "").rsplit("\n\n", 1)[-1]  # the last paragraph
        assert note.startswith("Requires an access token with"), (name, note)
        assert sorted(re.findall(r"`([^`]+)`", note)) == sorted(scopes), (name, note)
    query = introspected.query_type
    assert query is not None
    assert query.fields["me"].description.endswith(AUTHENTICATED_NOTE)


def test_the_note_names_the_scopes() -> None:
    assert scopes_note(("a:read",)) == "Requires an access token with the scope `a:read`."
    assert scopes_note(("a:read", "b:read")).endswith("all of the scopes `a:read`, `b:read`.")


@pytest.mark.parametrize(
    ("policy", "anonymous", "with_token"),
    [("on", 200, 200), ("authenticated", 401, 200), ("off", 404, 404)],
)
async def test_the_sdl_follows_the_introspection_policy(
    settings: Settings, policy: str, anonymous: int, with_token: int
) -> None:
    app: Starlette = create_app(settings.model_copy(update={"graphql_introspection": policy}))
    async with app.router.lifespan_context(app):
        await seed(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            responses: list[Any] = [
                await client.get(SDL),
                await client.get(SDL, headers=await bearer(app)),
            ]
    assert [r.status_code for r in responses] == [anonymous, with_token]
