"""Security headers: every HTML page (GraphiQL, the OAuth sign-in and error pages) under a strict
Content-Security-Policy that forbids framing, with nosniff, no referrer, DENY framing and, when
the public URL is https, HSTS; API answers with a policy that allows nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings

PAGES = [
    ("/graphql", {"accept": "text/html"}),  # GraphiQL
    ("/oauth/login", {}),
    ("/oauth/authorize?client_id=nobody&response_type=code", {}),  # an error page
]


@pytest.fixture(params=["http", "https"])
async def client(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    scheme = request.param
    configured = settings.model_copy(update={"public_base_url": f"{scheme}://api.example"})
    application: Starlette = create_app(configured)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=f"{scheme}://api.example") as c:
            yield c


@pytest.mark.parametrize(("path", "headers"), PAGES)
async def test_html_pages_carry_the_security_headers(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    response = await client.get(path, headers=headers)
    assert response.headers["content-type"].startswith("text/html"), (path, response.status_code)
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    assert "script-src 'self'" in csp or "script-src" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    https = str(client.base_url).startswith("https://")
    hsts = response.headers.get("strict-transport-security")
    assert (hsts is not None) == https
    if https:
        assert hsts is not None
        assert "max-age=63072000" in hsts


async def test_api_answers_allow_nothing_to_run(client: httpx.AsyncClient) -> None:
    for response in (
        await client.post("/graphql", json={"query": "{ __typename }"}),
        await client.get("/readyz"),
        await client.get("/no/such/page"),
    ):
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; frame-ancestors 'none'"
        )
        assert response.headers["x-content-type-options"] == "nosniff"
