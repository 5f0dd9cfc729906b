"""Pairing a referenced app, end to end: the catalogue, Authlib's OAuth 2.0 client with PKCE,
the consent page in plain words, tokens limited to the consent, revocation and withdrawal."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from resolvers.core.actors import ActorKind
from resolvers.demo.seed import stable_id
from tests.catalogue_support import SCOPE, STATUS, pair, referenced_app
from tests.oauth_support import CALLBACK, PATIENT_INS, Browser, Live, graphql
from tests.tokens import token_factory

CAMILLE = stable_id("patient:camille")
JEAN_INS = "162058002108831"  # Jean, another adult of the demo set
PAIRINGS = """
query { pairings { id consentedAt expiresAt revokedAt revokedBecause
  app { name } categories { scope label justification } } }
"""
REVOKE = """
mutation($p: ID!, $id: ID!) { revokePairing(patientId: $p, pairingId: $id) {
  __typename ... on Pairing { revokedAt revokedBecause } ... on CatalogueError { code } } }
"""
DOCUMENTS = '{ patient(id: "%s") { documents { totalCount } } }'
AGENDA = (
    '{ patient(id: "%s") { agenda(from: "2026-01-01T00:00:00Z", to: "2026-12-31T00:00:00Z") '
    "{ totalCount } } }"
)
ADD_EVENT = """
mutation { addAgendaEvent(patientId: "%s", input: {kind: REMINDER, title: "Glycémie",
  start: "2026-12-01T08:00:00Z"}) { __typename } }
"""
IDENTITY = f'{{ patient(id: "{CAMILLE}") {{ identity {{ birthNames }} }} }}'
MEASURE = """
mutation { recordMeasurement(patientId: "%s", input: {code: "2339-0", unit: "g/L", value: 1.05,
  measuredAt: "2026-11-20T08:00:00Z"}) { __typename } }
"""


async def gql(net: httpx.AsyncClient, live: Live, query: str, token: str | None) -> Any:
    answer = await graphql(net, live, query, token)
    return answer.json()


async def test_a_patient_pairs_an_app_which_then_reaches_only_what_she_consented_to(
    live: Live, browser: Browser, net: httpx.AsyncClient
) -> None:
    app = await referenced_app(live, net)
    # anyone browses and searches the catalogue
    found = await gql(net, live, '{ catalogue(search: "glyco") { totalCount edges { node { name '
                      "categories { label justification } } } } }", None)  # fmt: skip
    assert found["data"]["catalogue"]["totalCount"] == 1
    token, page = await pair(live, browser, app["clientId"])
    # the consent page says what, why, how long, in plain words
    for words in ("Lire vos documents de santé", "Tracer vos courbes de glycémie.",
                  "Santé Numérique SAS", "90 jours", "hébergeur certifié HDS"):  # fmt: skip
        assert words in page
    assert token["scope"] == SCOPE
    access = str(token["access_token"])
    # within the consent: documents read, measurements written
    documents = await gql(net, live, DOCUMENTS % CAMILLE, access)
    assert documents["data"]["patient"]["documents"]["totalCount"] > 0
    recorded = await gql(net, live, MEASURE % CAMILLE, access)
    assert recorded["data"]["recordMeasurement"]["__typename"] == "MeasurementRecorded"
    agenda = await gql(net, live, AGENDA % CAMILLE, access)
    assert agenda["data"]["patient"]["agenda"]["totalCount"] >= 0
    # beyond it: nothing (not even a category the app asked for, when she did not consent)
    adding = await gql(net, live, ADD_EVENT % CAMILLE, access)
    assert adding["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
    identity = await gql(
        net, live, f'{{ patient(id: "{CAMILLE}") {{ identity {{ birthNames }} }} }}', access
    )
    assert identity["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
    mailbox = await gql(net, live, "{ conversations { totalCount } }", access)
    assert mailbox["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
    other = await gql(net, live, DOCUMENTS % stable_id("patient:jean"), access)
    assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # the consent is stored: what, when, until when
    manager = await token_factory(live.app)(ActorKind.PATIENT, PATIENT_INS, "space:manage")
    [pairing] = (await gql(net, live, PAIRINGS, manager))["data"]["pairings"]
    assert pairing["app"]["name"] == "GlycoSuivi"
    assert [c["scope"] for c in pairing["categories"]] == SCOPE.split()[1:]
    assert pairing["revokedAt"] is None
    assert pairing["expiresAt"] > pairing["consentedAt"]


async def test_an_app_cannot_ask_for_more_than_its_categories(
    live: Live, browser: Browser, net: httpx.AsyncClient
) -> None:
    app = await referenced_app(live, net)
    with pytest.raises(OAuthError):
        await pair(live, browser, app["clientId"], scope="openid documents:write")
    manager = await token_factory(live.app)(ActorKind.PATIENT, PATIENT_INS, "space:manage")
    assert (await gql(net, live, PAIRINGS, manager))["data"]["pairings"] == []


async def test_revoking_a_pairing_stops_its_tokens_on_their_next_request(
    live: Live, browser: Browser, net: httpx.AsyncClient
) -> None:
    app = await referenced_app(live, net)
    token, _ = await pair(live, browser, app["clientId"])
    manager = await token_factory(live.app)(ActorKind.PATIENT, PATIENT_INS, "space:manage")
    [pairing] = (await gql(net, live, PAIRINGS, manager))["data"]["pairings"]
    answer = await net.post(
        live.graphql,
        json={"query": REVOKE, "variables": {"p": CAMILLE, "id": pairing["id"]}},
        headers={"authorization": f"Bearer {manager}"},
    )
    assert answer.json()["data"]["revokePairing"]["revokedBecause"] == "PATIENT"
    refused = await graphql(net, live, DOCUMENTS % CAMILLE, str(token["access_token"]))
    assert refused.status_code == 401
    async with AsyncOAuth2Client(app["clientId"], token_endpoint_auth_method="none") as oauth:
        with pytest.raises(OAuthError, match="invalid_grant"):
            await oauth.refresh_token(live.token_url, refresh_token=token["refresh_token"])
    # pairing again is a new consent, which may differ: now the agenda, written, and nothing else
    again, _ = await pair(live, browser, app["clientId"], scope="openid agenda:read agenda:write")
    added = await gql(net, live, ADD_EVENT % CAMILLE, str(again["access_token"]))
    assert added["data"]["addAgendaEvent"]["__typename"] == "AgendaEventChange"
    reading = await gql(net, live, DOCUMENTS % CAMILLE, str(again["access_token"]))
    assert reading["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
    [renewed] = (await gql(net, live, PAIRINGS, manager))["data"]["pairings"]
    assert renewed["revokedAt"] is None
    assert [c["scope"] for c in renewed["categories"]] == ["agenda:read", "agenda:write"]


async def test_withdrawing_an_app_ends_every_pairing_at_once(
    live: Live, browser: Browser, net: httpx.AsyncClient
) -> None:
    app = await referenced_app(live, net)
    camille, _ = await pair(live, browser, app["clientId"])
    other_browser = Browser(live.url)
    try:
        jean, _ = await pair(live, other_browser, app["clientId"], login=JEAN_INS)
    finally:
        await other_browser.close()
    withdrawn = await net.post(
        live.graphql,
        json={"query": STATUS, "variables": {"id": app["id"], "status": "WITHDRAWN"}},
        headers={"authorization": f"Bearer {app['admin']}"},
    )
    assert withdrawn.json()["data"]["setCatalogueAppStatus"]["status"] == "WITHDRAWN"
    for token in (camille, jean):
        answer = await graphql(net, live, "{ me { kind } }", str(token["access_token"]))
        assert answer.status_code == 401
    manager = await token_factory(live.app)(ActorKind.PATIENT, PATIENT_INS, "space:manage")
    [pairing] = (await gql(net, live, PAIRINGS, manager))["data"]["pairings"]
    assert pairing["revokedBecause"] == "WITHDRAWN"
    listed = await gql(net, live, "{ catalogue { totalCount } }", None)
    assert listed["data"]["catalogue"]["totalCount"] == 0
    page = await browser.http.get(
        "/oauth/authorize",
        params={"response_type": "code", "client_id": app["clientId"], "redirect_uri": CALLBACK,
                "code_challenge": "x" * 43, "code_challenge_method": "S256"},
    )  # fmt: skip
    assert page.status_code == 400  # an error page, never a redirect to the app
    again = await net.post(
        live.graphql,
        json={"query": STATUS, "variables": {"id": app["id"], "status": "REFERENCED"}},
        headers={"authorization": f"Bearer {app['admin']}"},
    )
    assert again.json()["data"]["setCatalogueAppStatus"]["code"] == "CONFLICT"
