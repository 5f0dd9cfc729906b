"""No token, password, activation code or INS in the logs, whatever happens: the representative
flows run against a live server with every log captured at DEBUG, then the capture is scanned.

The flows: asking for an activation code and activating a space with it and a password (INS in
the variables), a mistyped password given as a number (graphql-core quotes a value it cannot
coerce), signing in with a wrong then the right password, the authorization code exchanged
for tokens with a client secret, the tokens used, refreshed and revoked, a forged token, an INS
in a GET query string.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client

from api.logs import configure_logging
from api.settings import Settings
from tests.oauth_support import (
    CALLBACK,
    Browser,
    Live,
    code_request,
    live_server,
    pkce_pair,
    redirect_params,
    register,
)
from tests.spaces_support import Outbox, deliver, make_patient
from tests.storage.helpers import open_test_stores
from tests.support import FakeClock

PASSWORD = "un mot de passe très solide"
WRONG_PASSWORD = "pas le bon mot de passe"
NUMERIC_PASSWORD = 918273645546372819
REQUEST_CODE = """mutation($i: ActivationCodeRequestInput!) { requestActivationCode(input: $i) {
  message } }"""
ACTIVATE = """mutation($i: ActivationInput!) { activateSpace(input: $i) {
  __typename ... on SpaceChange { status } ... on SpaceError { code } } }"""
IDENTITY = "{ me { patient { identity { ins { matricule } } } } }"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream)
    yield stream
    configure_logging("WARNING", "console")


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    async with live_server(settings) as running:
        yield running


async def activated_patient(live: Live, net: httpx.AsyncClient, secrets: list[str]) -> str:
    """A space opened for a new person, activated through GraphQL; the person's INS."""
    async with open_test_stores(live.settings) as stores:
        clock = FakeClock(datetime.now(UTC))
        patient = await make_patient(stores, clock, 41, "open")
        ins = patient["ins"]["matricule"]
        secrets.append(ins)
        asked = await net.post(
            f"{live.url}/graphql",
            json={
                "query": REQUEST_CODE,
                "variables": {"i": {"ins": ins, "birthDate": "1980-06-15"}},
            },
        )
        assert asked.status_code == 200, asked.text
        outbox = Outbox()
        await deliver(stores, clock, outbox)
        assert patient["email"] is not None
        code = outbox.code_for(patient["email"])
        secrets.append(code)
    for password in (NUMERIC_PASSWORD, PASSWORD):  # the first cannot be coerced to a String
        answer = await net.post(
            f"{live.url}/graphql",
            json={
                "query": ACTIVATE,
                "variables": {"i": {"ins": ins, "activationCode": code, "password": password}},
            },
        )
    assert answer.json()["data"]["activateSpace"] == {
        "__typename": "SpaceChange",
        "status": "ACTIVE",
    }
    return ins


async def signed_in_tokens(live: Live, ins: str, secrets: list[str]) -> dict[str, Any]:
    client = await register(
        live.settings,
        name="Logiciel de cabinet",
        kind="practice_software",
        scopes="openid profile.identity:read",
        grant_types=["authorization_code", "refresh_token"],
        redirect_uris=[CALLBACK],
        confidential=True,
    )
    assert client.client_secret is not None
    secrets.append(client.client_secret)
    browser = Browser(live.url)
    try:
        refused = await browser.sign_in("patient", ins, WRONG_PASSWORD)
        assert refused.status_code != 303
        verifier, challenge = pkce_pair()
        redirect = await browser.authorize(
            code_request(client.client_id, challenge, "openid profile.identity:read"),
            login=ins,
            password=PASSWORD,
        )
    finally:
        await browser.close()
    code = redirect_params(redirect)["code"]
    secrets.extend([code, verifier])
    async with AsyncOAuth2Client(client.client_id, client.client_secret) as oauth:
        token: dict[str, Any] = await oauth.fetch_token(
            live.token_url,
            grant_type="authorization_code",
            code=code,
            redirect_uri=CALLBACK,
            code_verifier=verifier,
        )
        secrets.extend(str(token[k]) for k in ("access_token", "refresh_token", "id_token"))
        refreshed: dict[str, Any] = await oauth.fetch_token(
            live.token_url, grant_type="refresh_token", refresh_token=token["refresh_token"]
        )
        secrets.extend(str(refreshed[k]) for k in ("access_token", "refresh_token"))
    async with httpx.AsyncClient() as net:
        revoked = await net.post(
            f"{live.url}/oauth/revoke",
            data={"token": refreshed["refresh_token"], "token_type_hint": "refresh_token"},
            auth=(client.client_id, client.client_secret),
        )
        assert revoked.status_code == 200
    return {"first": token, "refreshed": refreshed}


async def test_no_token_password_code_or_ins_reaches_the_logs(
    settings: Settings, captured: io.StringIO
) -> None:
    secrets: list[str] = [PASSWORD, WRONG_PASSWORD, str(NUMERIC_PASSWORD)]
    async with live_server(settings) as live, httpx.AsyncClient() as net:
        ins = await activated_patient(live, net, secrets)
        tokens = await signed_in_tokens(live, ins, secrets)
        graphql = f"{live.url}/graphql"
        first = tokens["first"]["access_token"]
        used = await net.post(
            graphql, json={"query": IDENTITY}, headers={"authorization": f"Bearer {first}"}
        )
        assert used.status_code == 401  # revoked with its family when the refresh token was
        fresh = tokens["refreshed"]["access_token"]
        await net.post(
            graphql, json={"query": IDENTITY}, headers={"authorization": f"Bearer {fresh}"}
        )
        forged = first[:-6] + "AAAAAA"
        secrets.append(forged)
        refused = await net.post(
            graphql, json={"query": IDENTITY}, headers={"authorization": f"Bearer {forged}"}
        )
        assert refused.status_code == 401
        await net.get(graphql, params={"query": IDENTITY, "variables": json.dumps({"ins": ins})})
        await net.post(  # an INS where an ID is expected, and where an Int is: quoted back
            graphql,
            json={
                "query": "query($p: ID!, $n: Int) { patient(id: $p) { id } codes(codeList: "
                "PROFESSIONS, first: $n) { code } }",
                "variables": {"p": ins, "n": ins},
            },
        )
    logs = captured.getvalue()
    lines = [json.loads(line) for line in logs.splitlines()]
    events = {line["event"] for line in lines}
    assert {"http.request", "graphql.client_error"} <= events, events  # the capture worked
    assert len(lines) > 20
    leaked = [secret for secret in secrets if secret and secret in logs]
    assert not leaked, [next(line for line in logs.splitlines() if s in line) for s in leaked]
