"""The sign-in and consent pages: no account enumeration, throttling, CSRF, safe headers."""

from __future__ import annotations

import httpx
import pytest

from resolvers.accounts import clients
from resolvers.core import guessing
from resolvers.demo.seed import DEMO_PATIENT_PASSWORD
from tests.oauth_support import (
    PATIENT_INS,
    Browser,
    Live,
    code_request,
    form_field,
    pkce_pair,
)

GENERIC = "Identifiant ou mot de passe incorrect."


@pytest.mark.parametrize(
    ("login", "password"),
    [
        (PATIENT_INS, "wrong password"),  # known person, wrong password
        ("255081416802538", DEMO_PATIENT_PASSWORD),  # valid INS nobody registered
        ("not an INS", DEMO_PATIENT_PASSWORD),  # malformed
    ],
)
async def test_a_failed_sign_in_says_nothing_about_which_part_was_wrong(
    browser: Browser, login: str, password: str
) -> None:
    response = await browser.sign_in("patient", login, password)
    assert response.status_code == 401
    assert GENERIC in response.text


async def test_repeated_failures_stop_their_source_for_a_while(browser: Browser) -> None:
    for _ in range(guessing.LOGIN.per_source):
        assert (await browser.sign_in("patient", PATIENT_INS, "wrong")).status_code == 401
    stopped = await browser.sign_in("patient", PATIENT_INS, DEMO_PATIENT_PASSWORD)
    assert stopped.status_code == 401
    assert "Trop de tentatives" in stopped.text


async def test_forms_without_the_csrf_token_are_refused(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url) as anonymous:
        forged = await anonymous.post(
            "/oauth/login",
            data={"kind": "patient", "login": PATIENT_INS, "password": DEMO_PATIENT_PASSWORD},
        )
    assert forged.status_code == 403


async def test_a_forged_consent_is_refused(
    live: Live, web_client: clients.Registered, browser: Browser
) -> None:
    signed = await browser.sign_in("patient", PATIENT_INS, DEMO_PATIENT_PASSWORD)
    assert signed.status_code == 303
    _, challenge = pkce_pair()
    params = code_request(web_client.client_id, challenge, "documents:read")
    forged = await browser.http.post(
        "/oauth/authorize", params=params, data={"decision": "approve", "csrf": "guess"}
    )
    assert forged.status_code == 403
    assert "location" not in forged.headers


async def test_pages_are_locked_down(
    live: Live, web_client: clients.Registered, browser: Browser
) -> None:
    login_page = await browser.http.get("/oauth/login")
    csp = login_page.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert login_page.headers["x-frame-options"] == "DENY"
    assert login_page.headers["cache-control"] == "no-store"
    cookie = login_page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/oauth" in cookie
    await browser.sign_in("patient", PATIENT_INS, DEMO_PATIENT_PASSWORD)
    _, challenge = pkce_pair()
    consent = await browser.http.get(
        "/oauth/authorize",
        params=code_request(
            web_client.client_id, challenge, "documents:read profile.identity:read"
        ),
    )
    assert consent.status_code == 200
    assert "Lire vos documents de santé" in consent.text  # scopes in plain words
    assert "Lire votre identité (INS) de votre profil médical" in consent.text
    assert "Camille MARTIN" in consent.text
    assert "form-action 'self' http://127.0.0.1:9" in consent.headers["content-security-policy"]
    assert form_field(consent.text, "csrf")
