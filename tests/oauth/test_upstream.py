"""Professionals signing in through an upstream OpenID Connect provider, as through Pro Santé
Connect in production. The provider is a second instance of this very server, on another host
name (so that the two sign-in cookies stay apart, as they would on two domains)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import urljoin

import httpx
import pytest
from pydantic import SecretStr
from pymongo import MongoClient

from api.settings import Settings
from resolvers.demo.seed import DEMO_PROFESSIONAL_PASSWORD
from tests.oauth.test_authorization_code import exchange
from tests.oauth_support import (
    CALLBACK,
    PROFESSIONAL_RPPS,
    Live,
    code_request,
    form_field,
    free_port,
    graphql,
    live_server,
    pkce_pair,
    redirect_params,
    register,
)


@pytest.fixture
async def provider(
    settings: Settings, mongo_admin: MongoClient[dict[str, object]]
) -> AsyncIterator[Live]:
    """The upstream provider: its own database, its own professionals."""
    own = settings.model_copy(
        update={
            "mongodb_database": f"{settings.mongodb_database}_up",
            "s3_bucket": f"{settings.s3_bucket}-up",
        }
    )
    async with live_server(own, host="localhost") as running:
        yield running
    mongo_admin.drop_database(own.mongodb_database)


async def follow(http: httpx.AsyncClient, response: httpx.Response) -> httpx.Response:
    assert response.status_code in (302, 303), (response.status_code, response.text[:300])
    return await http.get(urljoin(str(response.url), response.headers["location"]))


async def consent(http: httpx.AsyncClient, page: httpx.Response) -> httpx.Response:
    action = page.text.split('<form method="post" action="', 1)[1].split('"', 1)[0]
    return await http.post(
        urljoin(str(page.url), action.replace("&amp;", "&")),
        data={"csrf": form_field(page.text, "csrf"), "decision": "approve"},
    )


async def test_a_professional_signs_in_through_the_upstream_provider(
    settings: Settings, provider: Live
) -> None:
    port = free_port()
    upstream_client = await register(
        provider.settings,
        name="Mon espace santé",
        kind="practice_software",
        scopes="openid",
        grant_types=["authorization_code"],
        redirect_uris=[f"http://127.0.0.1:{port}/oauth/psc/callback"],
        confidential=True,
    )
    assert upstream_client.client_secret is not None
    async with live_server(
        settings,
        port=port,
        professional_password_login=False,
        psc_metadata_url=f"{provider.url}/.well-known/openid-configuration",
        psc_client_id=upstream_client.client_id,
        psc_client_secret=SecretStr(upstream_client.client_secret),
        psc_rpps_claim="mes_rpps",
        psc_scope="openid",
    ) as live:
        app_client = await register(
            live.settings,
            name="Logiciel de cabinet",
            kind="practice_software",
            scopes="documents:read",
            grant_types=["authorization_code"],
            redirect_uris=[CALLBACK],
            confidential=True,
        )
        verifier, challenge = pkce_pair()
        async with httpx.AsyncClient() as browser:
            start = await browser.get(
                f"{live.url}/oauth/authorize",
                params=code_request(app_client.client_id, challenge, "documents:read"),
            )
            login_page = await follow(browser, start)
            assert "Pro Santé Connect" in login_page.text
            assert 'value="professional"' not in login_page.text  # no RPPS password here
            upstream_authorize = await browser.get(f"{live.url}/oauth/psc/login")
            assert upstream_authorize.headers["location"].startswith(
                f"{provider.url}/oauth/authorize"
            )
            upstream_login = await follow(browser, await follow(browser, upstream_authorize))
            signed = await browser.post(
                f"{provider.url}/oauth/login",
                data={
                    "csrf": form_field(upstream_login.text, "csrf"),
                    "kind": "professional",
                    "login": PROFESSIONAL_RPPS,
                    "password": DEMO_PROFESSIONAL_PASSWORD,
                },
            )
            upstream_consent = await follow(browser, signed)
            back = await consent(browser, upstream_consent)
            assert back.headers["location"].startswith(f"{live.url}/oauth/psc/callback")
            signed_in = await follow(browser, back)  # the server exchanges the upstream code
            own_consent = await follow(browser, signed_in)
            params = redirect_params(await consent(browser, own_consent))
        token = await exchange(live, app_client, params["code"], verifier)
        async with httpx.AsyncClient() as net:
            me = await graphql(
                net, live, "{ me { kind professional { rpps } } }", str(token["access_token"])
            )
    assert me.json() == {
        "data": {"me": {"kind": "PROFESSIONAL", "professional": {"rpps": PROFESSIONAL_RPPS}}}
    }


async def test_an_upstream_failure_is_reported_not_trusted(
    settings: Settings, provider: Live
) -> None:
    port = free_port()
    async with (
        live_server(
            settings,
            port=port,
            psc_metadata_url=f"{provider.url}/.well-known/openid-configuration",
            psc_client_id="unknown-client",
            psc_client_secret=SecretStr(uuid.uuid4().hex),
        ) as live,
        httpx.AsyncClient() as browser,
    ):
        forged = await browser.get(
            f"{live.url}/oauth/psc/callback", params={"code": "forged", "state": "forged"}
        )
    assert forged.status_code == 401
    assert "Pro Santé Connect" in forged.text
