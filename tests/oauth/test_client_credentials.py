"""client_credentials: partners and the insurer, with Authlib's own OAuth 2.0 client."""

from __future__ import annotations

import httpx
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from resolvers.accounts import clients
from resolvers.core.errors import InvalidInput
from tests.oauth_support import Live, graphql, register
from tests.storage.helpers import open_test_stores


async def test_the_insurer_gets_an_rfc9068_access_token(
    live: Live, insurer: clients.Registered, net: httpx.AsyncClient
) -> None:
    async with AsyncOAuth2Client(insurer.client_id, insurer.client_secret) as client:
        token = await client.fetch_token(
            live.token_url, grant_type="client_credentials", scope="provisioning"
        )
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == live.settings.oauth_access_token_ttl_seconds
    assert "refresh_token" not in token
    jwks = KeySet.import_key_set((await net.get(f"{live.url}/oauth/jwks")).json())
    decoded = jwt.decode(token["access_token"], jwks, algorithms=["RS256"])
    assert decoded.header["typ"] == "at+jwt"
    assert decoded.header["kid"] in {key["kid"] for key in jwks.as_dict()["keys"]}
    claims = decoded.claims
    assert claims["iss"] == live.url
    assert claims["aud"] == f"{live.url}/graphql"
    assert claims["sub"] == claims["client_id"] == insurer.client_id
    assert claims["scope"] == "provisioning"
    assert claims["exp"] - claims["iat"] == live.settings.oauth_access_token_ttl_seconds
    assert len(claims["jti"]) >= 16
    me = await graphql(net, live, "{ me { kind id clientId scopes } }", token["access_token"])
    assert me.json() == {
        "data": {
            "me": {
                "kind": "OPERATOR",
                "id": insurer.client_id,
                "clientId": insurer.client_id,
                "scopes": ["provisioning"],
            }
        }
    }


async def test_secret_in_the_body_works_too(live: Live, insurer: clients.Registered) -> None:
    async with AsyncOAuth2Client(
        insurer.client_id, insurer.client_secret, token_endpoint_auth_method="client_secret_post"
    ) as client:
        token = await client.fetch_token(
            live.token_url, grant_type="client_credentials", scope="audit:read"
        )
    assert token["scope"] == "audit:read"


@pytest.mark.parametrize(
    ("scope", "why"),
    [
        ("admin", "beyond the client's allowance"),
        ("documents:read", "allowed to the client, but never to an operator"),
        ("no-such-scope", "not in the vocabulary"),
    ],
)
async def test_scopes_beyond_what_is_allowed_are_refused(
    live: Live, insurer: clients.Registered, scope: str, why: str
) -> None:
    async with AsyncOAuth2Client(insurer.client_id, insurer.client_secret) as client:
        with pytest.raises(OAuthError) as refused:
            await client.fetch_token(live.token_url, grant_type="client_credentials", scope=scope)
    assert refused.value.error == "invalid_scope", why


async def test_a_wrong_secret_is_refused(live: Live, insurer: clients.Registered) -> None:
    async with AsyncOAuth2Client(insurer.client_id, "not-the-secret") as client:
        with pytest.raises(OAuthError) as refused:
            await client.fetch_token(
                live.token_url, grant_type="client_credentials", scope="provisioning"
            )
    assert refused.value.error == "invalid_client"


async def test_clients_without_the_grant_cannot_use_it(
    live: Live, web_client: clients.Registered
) -> None:
    async with AsyncOAuth2Client(web_client.client_id, web_client.client_secret) as client:
        with pytest.raises(OAuthError) as refused:
            await client.fetch_token(
                live.token_url, grant_type="client_credentials", scope="documents:read"
            )
    assert refused.value.error == "unauthorized_client"


async def test_public_clients_cannot_be_given_client_credentials(live: Live) -> None:
    with pytest.raises(InvalidInput, match="confidential"):
        await register(
            live.settings,
            name="x",
            kind="frontend",
            scopes="provisioning",
            grant_types=["client_credentials"],
            redirect_uris=[],
            confidential=False,
        )


async def test_client_secrets_are_stored_hashed(live: Live, insurer: clients.Registered) -> None:
    async with open_test_stores(live.settings) as stores:
        doc = await stores.oauth_clients.get(insurer.client_id)
    assert doc is not None
    assert insurer.client_secret is not None
    assert doc["secret_hash"] is not None
    assert insurer.client_secret not in doc["secret_hash"]
    assert doc["secret_hash"].startswith("$argon2id$")
