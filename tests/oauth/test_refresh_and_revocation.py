"""Refresh tokens rotate, a reused one revokes its family; revocation and introspection;
disabling a client."""

from __future__ import annotations

import httpx
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from resolvers.accounts import clients
from resolvers.core.clock import SystemClock
from tests.oauth.test_authorization_code import exchange
from tests.oauth_support import (
    Browser,
    Live,
    code_request,
    graphql,
    pkce_pair,
    redirect_params,
)
from tests.storage.helpers import open_test_stores

ME = "{ me { kind } }"


async def signed_in_token(
    live: Live, client: clients.Registered, browser: Browser, scope: str = "documents:read"
) -> dict[str, object]:
    verifier, challenge = pkce_pair()
    params = redirect_params(
        await browser.authorize(code_request(client.client_id, challenge, scope))
    )
    return await exchange(live, client, params["code"], verifier)


def oauth(client: clients.Registered) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client.client_id,
        client.client_secret,
        token_endpoint_auth_method="client_secret_basic" if client.client_secret else "none",
    )


async def test_refresh_tokens_rotate(
    live: Live, web_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    first = await signed_in_token(live, web_client, browser)
    async with oauth(web_client) as client:
        second = await client.refresh_token(live.token_url, refresh_token=first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == "documents:read"
    assert (await graphql(net, live, ME, second["access_token"])).status_code == 200
    # the first access token stays valid until it expires: rotation is not a revocation
    assert (await graphql(net, live, ME, str(first["access_token"]))).status_code == 200


async def test_a_refresh_can_narrow_the_scope_but_never_widen_it(
    live: Live, web_client: clients.Registered, browser: Browser
) -> None:
    first = await signed_in_token(live, web_client, browser, "documents:read measurements:read")
    async with oauth(web_client) as client:
        narrower = await client.refresh_token(
            live.token_url, refresh_token=first["refresh_token"], scope="documents:read"
        )
        assert narrower["scope"] == "documents:read"
        with pytest.raises(OAuthError) as refused:
            await client.refresh_token(
                live.token_url,
                refresh_token=narrower["refresh_token"],
                scope="documents:read profile.identity:read",
            )
    assert refused.value.error == "invalid_scope"


async def test_a_reused_refresh_token_revokes_the_whole_family(
    live: Live, public_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    first = await signed_in_token(live, public_client, browser)
    async with oauth(public_client) as client:
        second = await client.refresh_token(live.token_url, refresh_token=first["refresh_token"])
        with pytest.raises(OAuthError) as replayed:  # an attacker replays the stolen token
            await client.refresh_token(live.token_url, refresh_token=first["refresh_token"])
        assert replayed.value.error == "invalid_grant"
        with pytest.raises(OAuthError):  # the legitimate holder is cut off too
            await client.refresh_token(live.token_url, refresh_token=second["refresh_token"])
    for token in (first["access_token"], second["access_token"]):
        assert (await graphql(net, live, ME, str(token))).status_code == 401


async def test_refresh_tokens_are_bound_to_their_client(
    live: Live,
    web_client: clients.Registered,
    public_client: clients.Registered,
    browser: Browser,
) -> None:
    first = await signed_in_token(live, web_client, browser)
    async with oauth(public_client) as client:
        with pytest.raises(OAuthError) as refused:
            await client.refresh_token(live.token_url, refresh_token=first["refresh_token"])
    assert refused.value.error == "invalid_grant"


async def test_a_revoked_access_token_is_refused_at_once(
    live: Live, web_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    token = await signed_in_token(live, web_client, browser)
    access = str(token["access_token"])
    assert (await graphql(net, live, ME, access)).status_code == 200
    async with oauth(web_client) as client:
        revoked = await client.revoke_token(
            f"{live.url}/oauth/revoke", token=access, token_type_hint="access_token"
        )
    assert revoked.status_code == 200
    refused = await graphql(net, live, ME, access)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith(
        'Bearer realm="espace-sante", error="invalid_token"'
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with oauth(web_client) as client:  # the refresh token was not revoked
        await client.refresh_token(live.token_url, refresh_token=token["refresh_token"])


async def test_revoking_a_refresh_token_revokes_its_access_tokens(
    live: Live, web_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    token = await signed_in_token(live, web_client, browser)
    async with oauth(web_client) as client:
        await client.revoke_token(
            f"{live.url}/oauth/revoke",
            token=token["refresh_token"],
            token_type_hint="refresh_token",
        )
        with pytest.raises(OAuthError):
            await client.refresh_token(live.token_url, refresh_token=token["refresh_token"])
    assert (await graphql(net, live, ME, str(token["access_token"]))).status_code == 401


async def test_revoking_an_unknown_token_still_answers_200(
    live: Live, web_client: clients.Registered
) -> None:
    async with oauth(web_client) as client:
        response = await client.revoke_token(f"{live.url}/oauth/revoke", token="not-a-token")
    assert response.status_code == 200


async def test_a_client_cannot_revoke_another_clients_token(
    live: Live,
    web_client: clients.Registered,
    public_client: clients.Registered,
    browser: Browser,
    net: httpx.AsyncClient,
) -> None:
    token = await signed_in_token(live, web_client, browser)
    async with oauth(public_client) as client:
        response = await client.revoke_token(
            f"{live.url}/oauth/revoke", token=str(token["access_token"])
        )
    assert response.status_code == 400
    assert (await graphql(net, live, ME, str(token["access_token"]))).status_code == 200


async def test_confidential_clients_introspect_their_tokens(
    live: Live, web_client: clients.Registered, browser: Browser
) -> None:
    token = await signed_in_token(live, web_client, browser)
    url = f"{live.url}/oauth/introspect"
    async with oauth(web_client) as client:
        active = (await client.introspect_token(url, token=str(token["access_token"]))).json()
        refresh = (await client.introspect_token(url, token=str(token["refresh_token"]))).json()
        await client.revoke_token(f"{live.url}/oauth/revoke", token=str(token["access_token"]))
        after = (await client.introspect_token(url, token=str(token["access_token"]))).json()
        junk = (await client.introspect_token(url, token="junk")).json()
    assert active["active"] is True
    assert active["client_id"] == web_client.client_id
    assert active["scope"] == "documents:read"
    assert active["aud"] == f"{live.url}/graphql"
    assert refresh["active"] is True
    assert refresh["token_type"] == "refresh_token"
    assert after == {"active": False}
    assert junk == {"active": False}


async def test_public_clients_cannot_introspect(
    live: Live, public_client: clients.Registered, browser: Browser
) -> None:
    token = await signed_in_token(live, public_client, browser)
    async with oauth(public_client) as client:
        response = await client.introspect_token(
            f"{live.url}/oauth/introspect", token=str(token["access_token"])
        )
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


async def test_disabling_a_client_revokes_its_tokens_and_refuses_it(
    live: Live, web_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    token = await signed_in_token(live, web_client, browser)
    async with open_test_stores(live.settings) as stores:
        await clients.disable_client(stores, SystemClock(), web_client.client_id)
    assert (await graphql(net, live, ME, str(token["access_token"]))).status_code == 401
    async with oauth(web_client) as client:
        with pytest.raises(OAuthError) as refused:
            await client.refresh_token(live.token_url, refresh_token=token["refresh_token"])
    assert refused.value.error == "invalid_client"
