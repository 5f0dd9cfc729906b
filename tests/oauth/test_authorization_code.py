"""authorization_code with PKCE: the flow, the ID token, and every refusal."""

from __future__ import annotations

import httpx
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from resolvers.accounts import clients
from tests.oauth_support import (
    CALLBACK,
    PROFESSIONAL_RPPS,
    Browser,
    Live,
    code_request,
    graphql,
    pkce_pair,
    redirect_params,
    register,
)

IDENTITY = "{ me { kind patient { identity { ins { matricule } birthNames } } } }"


async def exchange(
    live: Live, client: clients.Registered, code: str, verifier: str | None
) -> dict[str, object]:
    async with AsyncOAuth2Client(
        client.client_id,
        client.client_secret,
        token_endpoint_auth_method="client_secret_basic" if client.client_secret else "none",
    ) as oauth:
        extra = {"code_verifier": verifier} if verifier else {}
        token: dict[str, object] = await oauth.fetch_token(
            live.token_url,
            grant_type="authorization_code",
            code=code,
            redirect_uri=CALLBACK,
            **extra,
        )
        return token


async def test_a_patient_authorizes_practice_software_and_it_reads_their_identity(
    live: Live, web_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    verifier, challenge = pkce_pair()
    redirect = await browser.authorize(
        code_request(
            web_client.client_id, challenge, "openid profile.identity:read", nonce="n-0S6_WzA2Mj"
        )
    )
    params = redirect_params(redirect)
    assert redirect.headers["location"].startswith(CALLBACK)
    assert params["state"] == "st4te"
    token = await exchange(live, web_client, params["code"], verifier)
    assert token["scope"] == "openid profile.identity:read"
    assert "refresh_token" in token
    answer = await graphql(net, live, IDENTITY, str(token["access_token"]))
    assert answer.json() == {
        "data": {
            "me": {
                "kind": "PATIENT",
                "patient": {
                    "identity": {"ins": {"matricule": "285034410912329"}, "birthNames": "MARTIN"}
                },
            }
        }
    }
    jwks = KeySet.import_key_set((await net.get(f"{live.url}/oauth/jwks")).json())
    id_token = jwt.decode(str(token["id_token"]), jwks, algorithms=["RS256"]).claims
    assert id_token["iss"] == live.url
    assert id_token["aud"] == [web_client.client_id]
    assert id_token["nonce"] == "n-0S6_WzA2Mj"
    assert id_token["mes_kind"] == "patient"
    assert "at_hash" in id_token


async def test_a_public_client_uses_pkce_alone(
    live: Live, public_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    verifier, challenge = pkce_pair()
    params = redirect_params(
        await browser.authorize(
            code_request(public_client.client_id, challenge, "profile.identity:read")
        )
    )
    token = await exchange(live, public_client, params["code"], verifier)
    assert (await graphql(net, live, "{ me { kind } }", str(token["access_token"]))).json() == {
        "data": {"me": {"kind": "PATIENT"}}
    }


async def test_a_professional_signs_in_with_rpps(
    live: Live, web_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    verifier, challenge = pkce_pair()
    params = redirect_params(
        await browser.authorize(
            code_request(web_client.client_id, challenge, "documents:read"),
            kind="professional",
            login=PROFESSIONAL_RPPS,
        )
    )
    token = await exchange(live, web_client, params["code"], verifier)
    me = await graphql(
        net,
        live,
        "{ me { kind professional { rpps lastName profession { code } } } }",
        str(token["access_token"]),
    )
    assert me.json() == {
        "data": {
            "me": {
                "kind": "PROFESSIONAL",
                "professional": {
                    "rpps": PROFESSIONAL_RPPS,
                    "lastName": "Lefèvre",
                    "profession": {"code": "10"},
                },
            }
        }
    }


async def test_the_person_can_refuse(web_client: clients.Registered, browser: Browser) -> None:
    _, challenge = pkce_pair()
    params = redirect_params(
        await browser.authorize(
            code_request(web_client.client_id, challenge, "documents:read"), decision="deny"
        )
    )
    assert params["error"] == "access_denied"
    assert params["state"] == "st4te"
    assert "code" not in params


async def test_authorization_without_pkce_is_refused(
    web_client: clients.Registered, browser: Browser
) -> None:
    request = code_request(web_client.client_id, "x" * 43, "documents:read")
    del request["code_challenge"], request["code_challenge_method"]
    params = redirect_params(await browser.authorize(request))
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]
    assert params["state"] == "st4te"


async def test_the_plain_pkce_method_is_refused(
    web_client: clients.Registered, browser: Browser
) -> None:
    verifier, _ = pkce_pair()
    params = redirect_params(
        await browser.authorize(
            code_request(
                web_client.client_id, verifier, "documents:read", code_challenge_method="plain"
            )
        )
    )
    assert params["error"] == "invalid_request"
    assert "S256" in params["error_description"]


async def test_a_wrong_verifier_is_refused_and_burns_the_code(
    live: Live, web_client: clients.Registered, browser: Browser
) -> None:
    verifier, challenge = pkce_pair()
    params = redirect_params(
        await browser.authorize(code_request(web_client.client_id, challenge, "documents:read"))
    )
    other_verifier, _ = pkce_pair()
    with pytest.raises(OAuthError) as refused:
        await exchange(live, web_client, params["code"], other_verifier)
    assert refused.value.error == "invalid_grant"
    with pytest.raises(OAuthError):  # single use, even after a failed attempt
        await exchange(live, web_client, params["code"], verifier)


async def test_a_token_request_without_verifier_is_refused(
    live: Live, web_client: clients.Registered, browser: Browser
) -> None:
    _, challenge = pkce_pair()
    params = redirect_params(
        await browser.authorize(code_request(web_client.client_id, challenge, "documents:read"))
    )
    with pytest.raises(OAuthError) as refused:
        await exchange(live, web_client, params["code"], None)
    assert refused.value.error == "invalid_request"


async def test_an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(
    web_client: clients.Registered, browser: Browser
) -> None:
    _, challenge = pkce_pair()
    response = await browser.authorize(
        code_request(
            web_client.client_id,
            challenge,
            "documents:read",
            redirect_uri="https://evil.example/steal",
        )
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "evil.example" not in response.headers.get("content-security-policy", "")
    assert "adresse de retour" in response.text  # in French
    assert "not supported" not in response.text  # never the library's English


async def test_an_unknown_client_gets_an_error_page(browser: Browser) -> None:
    _, challenge = pkce_pair()
    response = await browser.authorize(code_request("nobody", challenge, "documents:read"))
    assert response.status_code == 400
    assert "invalid_client" in response.text


@pytest.mark.parametrize(
    ("scope", "kind", "login"),
    [
        ("documents:read messages:write", "patient", None),  # beyond the client's allowance
        ("provisioning", "patient", None),  # never granted to a person
        ("emergency", "patient", None),  # only professionals declare emergencies
    ],
)
async def test_scopes_beyond_the_allowance_are_refused(
    live: Live, browser: Browser, scope: str, kind: str, login: str | None
) -> None:
    client = await register(
        live.settings,
        name="Broad",
        kind="practice_software",
        scopes="documents:read provisioning emergency",
        grant_types=["authorization_code"],
        redirect_uris=[CALLBACK],
        confidential=True,
    )
    _, challenge = pkce_pair()
    params = redirect_params(
        await browser.authorize(code_request(client.client_id, challenge, scope))
    )
    assert params["error"] == "invalid_scope"
    assert params["state"] == "st4te"


async def test_a_code_used_twice_revokes_the_tokens_it_gave(
    live: Live, web_client: clients.Registered, browser: Browser, net: httpx.AsyncClient
) -> None:
    verifier, challenge = pkce_pair()
    params = redirect_params(
        await browser.authorize(
            code_request(web_client.client_id, challenge, "profile.identity:read")
        )
    )
    token = await exchange(live, web_client, params["code"], verifier)
    with pytest.raises(OAuthError) as refused:
        await exchange(live, web_client, params["code"], verifier)
    assert refused.value.error == "invalid_grant"
    answer = await graphql(net, live, "{ me { kind } }", str(token["access_token"]))
    assert answer.status_code == 401


async def test_a_code_is_bound_to_its_client(
    live: Live,
    web_client: clients.Registered,
    public_client: clients.Registered,
    browser: Browser,
) -> None:
    verifier, challenge = pkce_pair()
    params = redirect_params(
        await browser.authorize(code_request(web_client.client_id, challenge, "documents:read"))
    )
    with pytest.raises(OAuthError) as refused:
        await exchange(live, public_client, params["code"], verifier)
    assert refused.value.error == "invalid_grant"
