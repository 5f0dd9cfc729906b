"""OAuth errors by the book (RFC 6749 §5.2 and §6), checked with a client library the server does
not use: oauthlib prepares the requests and parses the answers (it raises the error class the RFC
names), httpx carries them, PyJWT verifies the tokens against the published keys.

- A refresh refused for any reason other than a reused token leaves the token usable and the
  session alive (§6: the refresh token is replaced only when a new one is issued).
- Every error response carries an ``error_description``.
- A token request without ``grant_type`` is ``invalid_request``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from oauthlib.oauth2 import WebApplicationClient
from oauthlib.oauth2.rfc6749 import errors as rfc6749

from resolvers.accounts import clients
from tests.oauth.test_refresh_and_revocation import signed_in_token
from tests.oauth_support import Browser, Live, graphql

ME = "{ me { kind } }"
GRANTED = "documents:read measurements:read"


def client_auth(client: clients.Registered, secret: str | None = None) -> httpx.Auth:
    """client_secret_basic for confidential clients (RFC 6749 §2.3.1); none for public ones."""
    if client.client_secret is None:
        return httpx.Auth()  # sends the request as it is
    return httpx.BasicAuth(client.client_id, secret or client.client_secret)


async def refresh(
    net: httpx.AsyncClient, live: Live, client: clients.Registered, token: str, **extra: Any
) -> dict[str, Any]:
    """A refresh request as oauthlib writes it, its answer as oauthlib reads it (raising the
    RFC's error on a refusal)."""
    secret = extra.pop("secret", None)
    oauth = WebApplicationClient(client.client_id)
    if client.client_secret is None:  # a public client names itself (RFC 6749 §3.2.1)
        extra["client_id"] = client.client_id
    body = oauth.prepare_refresh_body(refresh_token=token, **extra)
    response = await net.post(
        live.token_url,
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
        auth=client_auth(client, secret),
    )
    parsed: dict[str, Any] = oauth.parse_request_body_response(response.text)
    return parsed


async def verified_claims(net: httpx.AsyncClient, live: Live, token: str) -> dict[str, Any]:
    keys = jwt.PyJWKSet.from_dict((await net.get(f"{live.url}/oauth/jwks")).json())
    kid = jwt.get_unverified_header(token)["kid"]
    claims: dict[str, Any] = jwt.decode(
        token,
        keys[kid].key,
        algorithms=["RS256"],
        audience=f"{live.url}/graphql",
        issuer=live.url,
    )
    return claims


@dataclass(frozen=True)
class Refusal:
    why: str
    extra: dict[str, str]
    error: type[rfc6749.OAuth2Error]


REFUSALS = [
    Refusal("a scope beyond the grant", {"scope": f"{GRANTED} profile.identity:read"},
            rfc6749.InvalidScopeError),
    Refusal("a scope that does not exist", {"scope": "documents:read everything"},
            rfc6749.InvalidScopeError),
    Refusal("the wrong client secret", {"secret": "not-the-secret"}, rfc6749.InvalidClientError),
]  # fmt: skip


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda r: r.why)
async def test_a_refused_refresh_leaves_the_token_and_the_session_alive(
    live: Live,
    web_client: clients.Registered,
    browser: Browser,
    net: httpx.AsyncClient,
    refusal: Refusal,
) -> None:
    first = await signed_in_token(live, web_client, browser, GRANTED)
    token = str(first["refresh_token"])
    with pytest.raises(refusal.error) as refused:
        await refresh(net, live, web_client, token, **refusal.extra)
    assert refused.value.description, "every error carries an error_description"
    # the session was not revoked: its access token still works
    assert (await graphql(net, live, ME, str(first["access_token"]))).status_code == 200
    # and the same refresh token still works, once
    second = await refresh(net, live, web_client, token)
    assert second["refresh_token"] != token
    claims = await verified_claims(net, live, str(second["access_token"]))
    assert claims["scope"] == GRANTED
    assert claims["client_id"] == web_client.client_id


async def test_a_reused_refresh_token_is_still_refused_and_revokes_the_session(
    live: Live, public_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    first = await signed_in_token(live, public_client, browser)
    token = str(first["refresh_token"])
    second = await refresh(net, live, public_client, token)
    with pytest.raises(rfc6749.InvalidGrantError) as replayed:
        await refresh(net, live, public_client, token)
    assert replayed.value.description
    with pytest.raises(rfc6749.InvalidGrantError):  # the family went with it
        await refresh(net, live, public_client, str(second["refresh_token"]))
    assert (await graphql(net, live, ME, str(second["access_token"]))).status_code == 401


# (endpoint, form, the error RFC 6749 / 7009 names): each answer must describe itself
ERRORS = [
    ("/oauth/token", {}, "invalid_request"),  # no grant_type at all
    ("/oauth/token", {"grant_type": ""}, "invalid_request"),
    ("/oauth/token", {"grant_type": "password", "username": "u", "password": "p"},
     "unsupported_grant_type"),
    ("/oauth/token", {"grant_type": "authorization_code", "code": "forged",
                      "redirect_uri": "http://127.0.0.1:9/callback", "code_verifier": "x" * 43},
     "invalid_grant"),
    ("/oauth/token", {"grant_type": "refresh_token", "refresh_token": "forged"}, "invalid_grant"),
    ("/oauth/token", {"grant_type": "refresh_token"}, "invalid_request"),
    ("/oauth/revoke", {}, "invalid_request"),  # no token
]  # fmt: skip


@pytest.mark.parametrize(("path", "form", "error"), ERRORS)
async def test_every_error_response_carries_a_description(
    live: Live,
    web_client: clients.Registered,
    net: httpx.AsyncClient,
    *,
    path: str,
    form: dict[str, str],
    error: str,
) -> None:
    response = await net.post(f"{live.url}{path}", data=form, auth=client_auth(web_client))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == error, body
    description = body.get("error_description", "")
    assert description, body
    # RFC 6749 §5.2: %x20-21 / %x23-5B / %x5D-7E only
    assert all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in description), description
    if path == "/oauth/token":  # and oauthlib reads it as the error the RFC names
        with pytest.raises(rfc6749.OAuth2Error) as parsed:
            WebApplicationClient(web_client.client_id).parse_request_body_response(response.text)
        assert parsed.value.error == error


async def test_user_info_refusals_describe_themselves(
    live: Live, web_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    without_openid = await signed_in_token(live, web_client, browser, "documents:read")
    url = f"{live.url}/oauth/userinfo"
    for headers, status, error in [
        ({"authorization": f"Bearer {without_openid['access_token']}"}, 403,
         "insufficient_scope"),
        ({}, 401, "invalid_token"),
    ]:  # fmt: skip
        response = await net.get(url, headers=headers)
        assert response.status_code == status
        assert response.json()["error"] == error
        assert response.json()["error_description"]
