"""A catalogue app as an operator references it, for the catalogue and pairing tests."""

from __future__ import annotations

from typing import Any

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client

from resolvers.core.actors import ActorKind
from tests.oauth_support import CALLBACK, PATIENT_INS, Browser, Live
from tests.tokens import token_factory

# the patient consents to reading the agenda, not to writing it (the app asks for both)
SCOPE = "openid documents:read measurements:read measurements:write agenda:read"

APP_INPUT = {
    "name": "GlycoSuivi",
    "publisher": "Santé Numérique SAS",
    "description": "Suivi de la glycémie et des comptes rendus de diabétologie.",
    "domain": "MEDICAL_FOLLOW_UP",
    "categories": [
        {"scope": "documents:read", "justification": "Afficher vos comptes rendus."},
        {"scope": "measurements:read", "justification": "Tracer vos courbes de glycémie."},
        {"scope": "measurements:write", "justification": "Enregistrer les mesures du capteur."},
        {"scope": "agenda:read", "justification": "Vous rappeler vos rendez-vous."},
        {"scope": "agenda:write", "justification": "Noter vos contrôles de glycémie."},
    ],
    "retentionDays": 90,
    "consentDays": 365,
    "consentText": "Vos données restent hébergées en France chez un hébergeur certifié HDS.",
    "redirectUris": [CALLBACK],
}
CREATE = """
mutation($input: CatalogueAppInput!) { createCatalogueApp(input: $input) {
  __typename ... on CatalogueAppCreated { app { id clientId status } }
  ... on CatalogueError { code field message } } }
"""
STATUS = """
mutation($id: ID!, $status: CatalogueStatus!) { setCatalogueAppStatus(id: $id, status: $status) {
  __typename ... on CatalogueApp { status } ... on CatalogueError { code message } } }
"""


async def referenced_app(live: Live, net: httpx.AsyncClient) -> dict[str, Any]:
    admin = await token_factory(live.app)(ActorKind.OPERATOR, None, "catalogue:admin")
    headers = {"authorization": f"Bearer {admin}"}
    created = await net.post(
        live.graphql, json={"query": CREATE, "variables": {"input": APP_INPUT}}, headers=headers
    )
    app: dict[str, Any] = created.json()["data"]["createCatalogueApp"]["app"]
    assert app["status"] == "DRAFT"
    referenced = await net.post(
        live.graphql,
        json={"query": STATUS, "variables": {"id": app["id"], "status": "REFERENCED"}},
        headers=headers,
    )
    assert referenced.json()["data"]["setCatalogueAppStatus"]["status"] == "REFERENCED"
    return {**app, "admin": admin}


async def pair(
    live: Live, browser: Browser, client_id: str, *, login: str = PATIENT_INS, scope: str = SCOPE
) -> tuple[dict[str, Any], str]:
    """Authlib's client runs authorization code with PKCE; the browser signs in and consents.
    Returns the token and the consent page's text."""
    async with AsyncOAuth2Client(
        client_id,
        redirect_uri=CALLBACK,
        scope=scope,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    ) as oauth:
        verifier = "v" * 64
        url, _ = oauth.create_authorization_url(
            f"{live.url}/oauth/authorize", code_verifier=verifier
        )
        consent = await browser.http.get(url)
        if consent.status_code == 303:  # sign in first
            await browser.sign_in("patient", login, "demo-patient-2026")
            consent = await browser.http.get(url)
        redirect = await browser.authorize(dict(httpx.URL(url).params), login=login)
        token: dict[str, Any] = await oauth.fetch_token(
            live.token_url,
            authorization_response=redirect.headers["location"],
            code_verifier=verifier,
        )
        return token, consent.text
