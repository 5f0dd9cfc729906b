from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.settings import Settings
from resolvers.accounts import clients
from tests.oauth_support import CALLBACK, Browser, Live, live_server, register

ALL_PATIENT_SCOPES = "openid profile.identity:read documents:read measurements:read"


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    async with live_server(settings) as running:
        yield running


@pytest.fixture
async def web_client(live: Live) -> clients.Registered:
    """Practice software: confidential, authorization code with refresh tokens."""
    return await register(
        live.settings,
        name="Logiciel de cabinet",
        kind="practice_software",
        scopes=ALL_PATIENT_SCOPES,
        grant_types=["authorization_code", "refresh_token"],
        redirect_uris=[CALLBACK],
        confidential=True,
    )


@pytest.fixture
async def public_client(live: Live) -> clients.Registered:
    """A browser app: no secret, PKCE only."""
    return await register(
        live.settings,
        name="Application web",
        kind="frontend",
        scopes=ALL_PATIENT_SCOPES,
        grant_types=["authorization_code", "refresh_token"],
        redirect_uris=[CALLBACK],
        confidential=False,
    )


@pytest.fixture
async def insurer(live: Live) -> clients.Registered:
    return await register(
        live.settings,
        name="Assurance maladie",
        kind="partner",
        scopes="provisioning audit:read documents:read",
        grant_types=["client_credentials"],
        redirect_uris=[],
        confidential=True,
    )


@pytest.fixture
async def browser(live: Live) -> AsyncIterator[Browser]:
    person = Browser(live.url)
    yield person
    await person.close()


@pytest.fixture
async def net() -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client, for calls a client application makes with a bearer token."""
    async with httpx.AsyncClient() as client:
        yield client
