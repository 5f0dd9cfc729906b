"""GraphQL over HTTP at /graphql, per the GraphQL-over-HTTP spec where it speaks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from tests.support import GraphQLClient

WELCOME = """query Welcome {
  service { name version }
  codes(codeList: PROFESSIONS, first: 2) { code label }
}"""


async def test_post_json_answers_data(gql: GraphQLClient) -> None:
    data = await gql.data(WELCOME)
    assert data["service"]["name"] == "Mon espace santé API"
    assert data["codes"] == [
        {"code": "10", "label": "Médecin"},
        {"code": "21", "label": "Pharmacien"},
    ]


async def test_get_runs_queries(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "{ service { name } }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"service": {"name": "Mon espace santé API"}}}


async def test_graphql_response_json_is_served_to_clients_that_accept_it(
    http: httpx.AsyncClient,
) -> None:
    accept = {"accept": "application/graphql-response+json, application/json;q=0.9"}
    ok = await http.post("/graphql", json={"query": "{ service { name } }"}, headers=accept)
    assert ok.status_code == 200
    assert ok.headers["content-type"] == "application/graphql-response+json"
    invalid = await http.post("/graphql", json={"query": "{ nope }"}, headers=accept)
    assert invalid.status_code == 400
    assert "data" not in invalid.json()
    assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_plain_json_clients_get_200_for_well_formed_requests(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ nope }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_field_errors_keep_data_and_status_200(http: httpx.AsyncClient) -> None:
    accept = {"accept": "application/graphql-response+json"}
    response = await http.post(
        "/graphql",
        json={"query": "{ service { name } codes(codeList: PROFESSIONS, first: 0) { code } }"},
        headers=accept,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None  # the non-null `codes` field failed, nulling the root
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    assert body["errors"][0]["path"] == ["codes"]


async def test_subscriptions_over_get_are_refused_with_405(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "subscription { clock(count: 1) }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_subscriptions_over_plain_post_point_to_websockets(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "subscription { clock(count: 1) }"})
    assert response.status_code == 400
    assert "websockets" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"query=1", "text/plain", 400),
        (b'{"query": 42}', "application/json", 400),
    ],
)
async def test_malformed_requests_get_a_json_error(
    http: httpx.AsyncClient, content: bytes, content_type: str, status: int
) -> None:
    response = await http.post("/graphql", content=content, headers={"content-type": content_type})
    assert response.status_code == status
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"]


async def test_bodies_over_the_limit_are_refused_before_being_read(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    padding = "#" * (settings.graphql_max_body_bytes + 1)
    response = await http.post("/graphql", json={"query": "{ service { name } }" + padding})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_streamed_bodies_over_the_limit_are_refused(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"query": "{ service { name } }", "x": "'
        for _ in range(settings.graphql_max_body_bytes // 1000 + 2):
            yield b"x" * 1000
        yield b'"}'

    response = await http.post(
        "/graphql", content=body(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.fixture
async def strict_http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    strict = settings.model_copy(
        update={"graphql_max_depth": 0, "graphql_max_aliases": 2, "graphql_max_tokens": 40}
    )
    application: Starlette = create_app(strict)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ a: __typename b: __typename c: __typename }", "TOO_MANY_ALIASES"),
        ("{ " + " ".join(f"t{i}: __typename" for i in range(30)) + " }", "TOO_MANY_TOKENS"),
    ],
)
async def test_hostile_documents_are_refused_with_a_code(
    strict_http: httpx.AsyncClient, query: str, code: str
) -> None:
    response = await strict_http.post("/graphql", json={"query": query})
    assert code in [e["extensions"]["code"] for e in response.json()["errors"]]


async def test_depth_is_limited(strict_http: httpx.AsyncClient) -> None:
    ok = await strict_http.post("/graphql", json={"query": "{ __typename }"})
    assert ok.json() == {"data": {"__typename": "Query"}}
    deep = await strict_http.post("/graphql", json={"query": "{ service { name } }"})
    assert [e["extensions"]["code"] for e in deep.json()["errors"]] == ["QUERY_TOO_DEEP"]


async def test_every_response_carries_a_request_id(http: httpx.AsyncClient) -> None:
    generated = await http.post("/graphql", json={"query": "{ service { name } }"})
    assert len(generated.headers["x-request-id"]) == 32
    chosen = await http.post(
        "/graphql",
        json={"query": "{ service { name } }"},
        headers={"x-request-id": "trace-0123456789"},
    )
    assert chosen.headers["x-request-id"] == "trace-0123456789"
    hostile = await http.post(
        "/graphql", json={"query": "{ service { name } }"}, headers={"x-request-id": "a b; drop"}
    )
    assert hostile.headers["x-request-id"] != "a b; drop"


async def test_responses_are_not_cacheable_and_carry_security_headers(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post("/graphql", json={"query": "{ service { name } }"})
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_response_bodies_are_compact_utf8_json(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ codes(codeList: PROFESSIONS, first: 1) { label } }"}
    )
    assert response.content == orjson.dumps({"data": {"codes": [{"label": "Médecin"}]}})
