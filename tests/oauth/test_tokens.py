"""What the API accepts as a bearer token, signing-key rotation, and the discovery documents."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from api.oauth.keys import KeyRing
from api.oauth.tokens import Subject, allow_list_entry, sign_access_token
from resolvers.core.actors import ActorKind
from resolvers.core.clock import SystemClock
from resolvers.demo.seed import stable_id
from tests.oauth_support import Live, graphql
from tests.storage.helpers import open_test_stores

ME = "{ me { kind id } }"
PATIENT_ID = stable_id("patient:camille")


async def mint(
    live: Live,
    *,
    audience: str | None = None,
    lifetime: timedelta = timedelta(minutes=5),
    issuer: str | None = None,
    allow: bool = True,
    now: datetime | None = None,
) -> str:
    """A token signed by the server's own key, with the claims a test wants."""
    settings = live.settings
    assert settings.oauth_keys_secret is not None
    async with open_test_stores(settings) as stores:
        ring = KeyRing(
            stores.signing_keys,
            settings.oauth_keys_secret.get_secret_value(),
            SystemClock(),
            retire_after=timedelta(minutes=20),
        )
        await ring.load()
        token, claims = sign_access_token(
            ring,
            issuer=issuer or settings.public_base_url,
            audience=audience or settings.audience,
            client_id="dev-cli",
            subject=Subject(ActorKind.PATIENT, PATIENT_ID),
            scope="documents:read",
            now=now or datetime.now(UTC),
            lifetime=lifetime,
        )
        if allow:
            await stores.access_tokens.insert(allow_list_entry(claims, None))
    return token


async def test_a_token_signed_and_listed_by_the_server_is_accepted(
    live: Live, net: httpx.AsyncClient
) -> None:
    answer = await graphql(net, live, ME, await mint(live))
    assert answer.json() == {"data": {"me": {"kind": "PATIENT", "id": PATIENT_ID}}}


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("expired", "expired"),
        ("other audience", "audience"),
        ("other issuer", "issued by another server"),
        ("not in the allow-list", "revoked"),
        ("tampered", "signature"),
        ("foreign key", "unknown key"),
        ("alg none", "signature"),
        ("garbage", "malformed"),
    ],
)
async def test_unacceptable_tokens_are_refused_with_401_and_a_reason(
    live: Live, net: httpx.AsyncClient, case: str, reason: str
) -> None:
    if case == "expired":
        token = await mint(live, now=datetime.now(UTC) - timedelta(minutes=30))
    elif case == "other audience":
        token = await mint(live, audience="https://other-api.example/graphql")
    elif case == "other issuer":
        token = await mint(live, issuer="https://other-issuer.example")
    elif case == "not in the allow-list":
        token = await mint(live, allow=False)
    elif case == "tampered":
        header, payload, signature = (await mint(live)).split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["scope"] = "documents:read documents:write"
        token = f"{header}.{b64(claims)}.{signature}"
    elif case == "foreign key":
        key = RSAKey.generate_key(2048, parameters={"kid": "attacker"})
        token = jwt.encode(
            {"alg": "RS256", "kid": "attacker", "typ": "at+jwt"}, {"sub": PATIENT_ID}, key
        )
    elif case == "alg none":
        header, payload, _ = (await mint(live)).split(".")
        token = f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{payload}."
    else:
        token = "not-a-jwt"
    answer = await graphql(net, live, ME, token)
    assert answer.status_code == 401, answer.text
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="espace-sante", error="invalid_token"')
    assert reason in challenge
    assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_malformed_authorization_header_is_refused(
    live: Live, net: httpx.AsyncClient
) -> None:
    answer = await net.post(
        live.graphql, json={"query": ME}, headers={"authorization": "Basic dXNlcjpwYXNz"}
    )
    assert answer.status_code == 401


async def test_without_a_token_protected_fields_are_null_and_the_rest_answers(
    live: Live, net: httpx.AsyncClient
) -> None:
    answer = await graphql(net, live, "{ me { id } service { name } }")
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] == {"me": None, "service": {"name": "Mon espace santé API"}}
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert body["errors"][0]["path"] == ["me"]


async def test_rotated_keys_keep_verifying_until_retired(
    live: Live, net: httpx.AsyncClient
) -> None:
    before = await mint(live)
    old_kid = jwt.decode(before, (await jwks(live, net)), algorithms=["RS256"]).header["kid"]
    settings = live.settings
    assert settings.oauth_keys_secret is not None
    async with open_test_stores(settings) as stores:
        ring = KeyRing(
            stores.signing_keys,
            settings.oauth_keys_secret.get_secret_value(),
            SystemClock(),
            retire_after=timedelta(minutes=20),
        )
        new_kid = await ring.rotate(delay=timedelta(0))  # at once, as for a compromised key
    after = await mint(live)
    # this replica has not reloaded its ring yet: the unknown kid makes it reload at once
    assert (await graphql(net, live, ME, after)).status_code == 200
    assert jwt.decode(after, await jwks(live, net), algorithms=["RS256"]).header["kid"] == new_kid
    assert (await graphql(net, live, ME, before)).status_code == 200
    published = {key["kid"] for key in (await net.get(f"{live.url}/oauth/jwks")).json()["keys"]}
    assert {old_kid, new_kid} <= published
    # once the old key's verifying life is over, it is gone from the JWKS and refused
    async with open_test_stores(settings) as stores:
        await stores.signing_keys.collection.update_one(
            {"_id": old_kid}, {"$set": {"retire_at": datetime.now(UTC) - timedelta(seconds=1)}}
        )
    await live.app.state.services.running.keyring.load()
    published = {key["kid"] for key in (await net.get(f"{live.url}/oauth/jwks")).json()["keys"]}
    assert old_kid not in published
    assert (await graphql(net, live, ME, before)).status_code == 401


async def jwks(live: Live, net: httpx.AsyncClient) -> Any:
    return KeySet.import_key_set((await net.get(f"{live.url}/oauth/jwks")).json())


async def test_private_keys_are_sealed_at_rest(live: Live) -> None:
    async with open_test_stores(live.settings) as stores:
        docs = await stores.signing_keys.collection.find().to_list()
    assert docs
    for doc in docs:
        assert "d" not in doc["public_jwk"]
        assert isinstance(doc["private_jwk_sealed"], bytes)
        assert b'"d"' not in doc["private_jwk_sealed"]


async def test_the_jwks_publishes_public_keys_only(live: Live, net: httpx.AsyncClient) -> None:
    keys = (await net.get(f"{live.url}/oauth/jwks")).json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "RSA"
        assert key["alg"] == "RS256"
        assert key["use"] == "sig"
        assert key["kid"]
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


async def test_discovery_documents(live: Live, net: httpx.AsyncClient) -> None:
    oauth = (await net.get(f"{live.url}/.well-known/oauth-authorization-server")).json()
    assert oauth["issuer"] == live.url
    for endpoint in ("authorization", "token", "revocation", "introspection"):
        assert oauth[f"{endpoint}_endpoint"].startswith(f"{live.url}/oauth/")
    assert oauth["jwks_uri"] == f"{live.url}/oauth/jwks"
    assert oauth["code_challenge_methods_supported"] == ["S256"]
    assert set(oauth["grant_types_supported"]) == {
        "authorization_code",
        "refresh_token",
        "client_credentials",
    }
    assert "profile.identity:read" in oauth["scopes_supported"]
    openid = (await net.get(f"{live.url}/.well-known/openid-configuration")).json()
    assert openid["userinfo_endpoint"] == f"{live.url}/oauth/userinfo"
    assert openid["id_token_signing_alg_values_supported"] == ["RS256"]
    assert openid["issuer"] == oauth["issuer"]


async def test_userinfo_needs_the_openid_scope(live: Live, net: httpx.AsyncClient) -> None:
    token = await mint(live)
    refused = await net.get(
        f"{live.url}/oauth/userinfo", headers={"authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 403
    assert (await net.get(f"{live.url}/oauth/userinfo")).status_code == 401


async def test_a_normal_rotation_publishes_the_key_before_signing_with_it(
    live: Live, net: httpx.AsyncClient
) -> None:
    settings = live.settings
    assert settings.oauth_keys_secret is not None
    async with open_test_stores(settings) as stores:
        ring = KeyRing(
            stores.signing_keys,
            settings.oauth_keys_secret.get_secret_value(),
            SystemClock(),
            retire_after=timedelta(minutes=20),
        )
        await ring.load()
        signing_before = ring.ring.signing_kid
        new_kid = await ring.rotate()
        assert ring.ring.signing_kid == signing_before  # not yet: first every replica learns it
    await live.app.state.services.running.keyring.load()
    published = {key["kid"] for key in (await net.get(f"{live.url}/oauth/jwks")).json()["keys"]}
    assert {signing_before, new_kid} <= published
    token = await mint(live)
    assert jwt.decode(token, await jwks(live, net), algorithms=["RS256"]).header["kid"] == (
        signing_before
    )
