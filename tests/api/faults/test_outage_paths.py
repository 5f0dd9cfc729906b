"""Each way in, with each store stopped: what the client gets is a clear answer with a code and
no detail (no address, no driver name), never a 500. A table: paths x {MongoDB down, S3 down}.

MongoDB holds the revocations, so with it down every authenticated path stops at the token
check (503, ``SERVICE_UNAVAILABLE``); the agenda feed (a secret URL, no token) reaches its own
MongoDB read. S3 holds only bytes: records stay readable, bytes are a 503.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.embedded.stack import EmbeddedStack, ServerName
from resolvers.core.actors import ActorKind
from tests.api.documents_support import CAMILLE, Caller
from tests.api.faults.test_faults import LEFEVRE_RPPS, until_ready
from tests.tokens import token_factory

LISTING = "query($p: ID!) { patient(id: $p) { documents { totalCount } } }"
UNKNOWN_FEED = "/agenda/feed/" + "A" * 43 + ".ics"

# path -> store down -> (HTTP status, the error code or None for a normal answer)
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    "graphql (token check, then records)": {
        "mongodb": (503, "SERVICE_UNAVAILABLE"),
        "s3": (200, None),
    },
    "document bytes (GET /documents/{id}/content)": {
        "mongodb": (503, "SERVICE_UNAVAILABLE"),
        "s3": (503, "SERVICE_UNAVAILABLE"),
    },
    "agenda feed (secret URL, no token)": {"mongodb": (503, None), "s3": (404, None)},
    "readiness (/readyz)": {"mongodb": (503, None), "s3": (503, None)},
}


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _code(response: httpx.Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None
    body: dict[str, Any] = response.json()
    errors = body.get("errors") or []
    return str(errors[0]["extensions"]["code"]) if errors else None


@pytest.mark.parametrize("down", ["mongodb", "s3"])
async def test_each_path_answers_a_clear_code_without_detail_when_a_store_is_down(
    app: Starlette, http: httpx.AsyncClient, own_stack: EmbeddedStack, down: ServerName
) -> None:
    token = await token_factory(app)(
        ActorKind.PROFESSIONAL, LEFEVRE_RPPS, "documents:read documents:write"
    )
    lefevre = Caller(http, token)
    document = await lefevre.deposited()
    own_stack.stop_server(down)
    try:
        answers = {
            "graphql (token check, then records)": await http.post(
                "/graphql",
                json={"query": LISTING, "variables": {"p": CAMILLE}},
                headers=lefevre.headers,
            ),
            "document bytes (GET /documents/{id}/content)": await http.get(
                f"/documents/{document['id']}/content", headers=lefevre.headers
            ),
            "agenda feed (secret URL, no token)": await http.get(UNKNOWN_FEED),
            "readiness (/readyz)": await http.get("/readyz"),
        }
    finally:
        await asyncio.to_thread(own_stack.start_server, down)
    got = {path: (r.status_code, _code(r)) for path, r in answers.items()}
    assert got == {path: cells[down] for path, cells in EXPECTED.items()}
    for path, response in answers.items():
        if path.startswith("readiness"):
            continue  # the operators' probe names the store (test_faults.py checks it)
        for detail in ("127.0.0.1", "Timeout", "pymongo", "urllib3", "Traceback", down):
            assert detail not in response.text, (path, detail)
    await until_ready(http)
