"""GraphiQL's sign-in client, as seed-demo registers it: public, PKCE, its redirect URI at this
service's GraphiQL, the scopes a patient or a professional may hold; idempotent, and following a
change of PUBLIC_BASE_URL."""

from __future__ import annotations

import pytest

from api.cli.main import seed_demo_data
from api.settings import Settings
from resolvers.accounts.clients import GRAPHIQL_CLIENT_ID, graphiql_scopes
from resolvers.core.actors import ActorKind
from tests.storage.helpers import open_test_stores


async def test_seed_demo_registers_graphiqls_public_client(settings: Settings) -> None:
    async with open_test_stores(settings) as stores:
        await seed_demo_data(stores, "http://127.0.0.1:8000")
        await seed_demo_data(stores, "http://localhost:9000/")  # the service moved
        client = await stores.oauth_clients.get(GRAPHIQL_CLIENT_ID)
        assert len(await stores.oauth_clients.list_all()) == 1
    assert client is not None
    assert client["kind"] == "frontend"
    assert client["secret_hash"] is None  # public: PKCE only
    assert client["grant_types"] == ["authorization_code"]  # no refresh token to keep
    assert client["redirect_uris"] == ["http://localhost:9000/graphql"]
    for kind in (ActorKind.PATIENT, ActorKind.PROFESSIONAL):
        assert set(graphiql_scopes(kind)) <= set(client["scopes"])
    assert "provisioning" not in client["scopes"]  # operators' scopes are not for people


@pytest.mark.parametrize("url", ["http://api.example:8000", "ftp://127.0.0.1"])
async def test_no_client_where_its_redirect_uri_would_be_unsafe(
    settings: Settings, url: str
) -> None:
    async with open_test_stores(settings) as stores:
        await seed_demo_data(stores, url)  # the demo set still loads
        assert await stores.oauth_clients.get(GRAPHIQL_CLIENT_ID) is None
        assert await stores.patients.count({}) > 0
