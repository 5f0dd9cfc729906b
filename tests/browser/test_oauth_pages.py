"""The sign-in, consent, pairing and error pages in real Chromium, as a person meets them.

A table of pages (each reached the way a person reaches it) x two screens (a phone, a desktop):
the stylesheet and every asset load (nothing answers 400 or more, nothing fails), no console
error, the page is styled (computed styles, not the browser's defaults), readable on a phone
(no text under 16px, touch targets of 44px, no sideways scrolling), and axe-core finds no
serious or critical violation. Then the whole walk, sign-in -> consent -> back to the client,
leaves nothing a script could read in localStorage, sessionStorage or cookies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.async_api import Page

from resolvers.accounts import clients
from resolvers.demo.seed import DEMO_PATIENT_PASSWORD
from tests.browser.support import (
    DESKTOP,
    PHONE,
    Watched,
    axe_violations,
    browser_storage,
    watched_page,
)
from tests.catalogue_support import referenced_app
from tests.oauth_support import (
    CALLBACK,
    PATIENT_INS,
    Live,
    code_request,
    pkce_pair,
    register,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the module's live server runs there

CLIENT_NAME = "Logiciel du cabinet Pasteur"
ENGLISH = ("does not exist", "not supported", "Missing", "invalid_request:", "Invalid")


async def practice_software(live: Live, redirect_uri: str = CALLBACK) -> clients.Registered:
    return await register(
        live.settings,
        name=CLIENT_NAME,
        kind="practice_software",
        scopes="openid profile.identity:read documents:read",
        grant_types=["authorization_code", "refresh_token"],
        redirect_uris=[redirect_uri],
        confidential=True,
    )


def authorize_url(
    live: Live, client_id: str, scope: str = "profile.identity:read documents:read", **extra: str
) -> str:
    _, challenge = pkce_pair()
    params = code_request(client_id, challenge, scope, **extra)
    return f"{live.url}/oauth/authorize?{urlencode(params)}"


async def sign_in(
    page: Page, login: str = PATIENT_INS, password: str = DEMO_PATIENT_PASSWORD
) -> None:
    await page.get_by_label("Identifiant").fill(login)
    await page.get_by_label("Mot de passe").fill(password)
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_load_state()


# -- how a person reaches each page: returns the document's expected status ----------------


async def sign_in_page(live: Live, page: Page, redirect_uri: str = CALLBACK) -> int:
    client = await practice_software(live, redirect_uri)
    await page.goto(authorize_url(live, client.client_id, redirect_uri=redirect_uri))
    assert urlsplit(page.url).path == "/oauth/login"
    assert CLIENT_NAME in await page.locator("main").inner_text()  # the app asking is named
    return 200


async def wrong_password(live: Live, page: Page) -> int:
    await sign_in_page(live, page)
    await sign_in(page, password="not the password")
    assert await page.get_by_role("alert").count() == 1
    assert await page.get_by_label("Identifiant").input_value() == PATIENT_INS  # kept
    assert await page.get_by_label("Mot de passe").input_value() == ""
    return 401


async def consent_page(live: Live, page: Page, redirect_uri: str = CALLBACK) -> int:
    await sign_in_page(live, page, redirect_uri)
    await sign_in(page)
    text = await page.locator("main").inner_text()
    assert f"Autoriser {CLIENT_NAME}" in text
    assert "Lire vos documents de santé" in text  # the scopes, in plain words
    assert "Pour combien de temps" in text
    assert "30 jours" in text
    assert "Comment le retirer" in text
    return 200


async def pairing_page(live: Live, page: Page) -> int:
    async with httpx.AsyncClient() as net:
        app = await referenced_app(live, net)
    await page.goto(authorize_url(live, app["clientId"], "documents:read measurements:read"))
    await sign_in(page)
    text = await page.locator("main").inner_text()
    assert "Associer GlycoSuivi" in text
    assert "Comment le retirer" in text
    return 200


def error_page(title: str, **params: str) -> Callable[[Live, Page], Awaitable[int]]:
    async def reach(live: Live, page: Page) -> int:
        client = await practice_software(live)
        query = dict(parse_qs(urlsplit(authorize_url(live, client.client_id)).query))
        for name, value in params.items():
            if value == "":
                query.pop(name)
            elif name == "repeat":
                query[value] = [*query[value], "twice"]
            else:
                query[name] = [value]
        await page.goto(f"{live.url}/oauth/authorize?{urlencode(query, doseq=True)}")
        await check_error(page, title)
        return 400

    return reach


async def check_error(page: Page, title: str) -> None:
    alert = page.get_by_role("alert")
    assert title in await alert.inner_text()
    text = await page.locator("main").inner_text()
    assert "Que faire ?" in text
    assert not [phrase for phrase in ENGLISH if phrase in text], text


async def expired_session(live: Live, page: Page) -> int:
    await sign_in_page(live, page)
    await page.locator("input[name=csrf]").evaluate("input => { input.value = 'stale'; }")
    await sign_in(page)
    await check_error(page, "Votre session a expiré")
    return 403


@dataclass(frozen=True)
class Reach:
    name: str
    reach: Callable[[Live, Page], Awaitable[int]]


PAGES = [
    Reach("sign-in", sign_in_page),
    Reach("sign-in after a wrong password", wrong_password),
    Reach("consent", consent_page),
    Reach("pairing", pairing_page),
    Reach("error: unknown client", error_page("n'est pas reconnue", client_id="nobody")),
    Reach("error: no client", error_page("ne s'est pas présentée", client_id="")),
    Reach("error: unregistered redirect",
          error_page("adresse de retour", redirect_uri="https://evil.example/steal")),
    Reach("error: repeated parameter", error_page("incomplète", repeat="scope")),
    Reach("error: expired session", expired_session),
]  # fmt: skip


async def check_phone_layout(page: Page) -> None:
    found = await page.evaluate(
        """() => {
        const visible = (e) => { const r = e.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && r.bottom > 0; };
        const small = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode, element = node.parentElement;
            if (node.textContent.trim() && visible(element)
                && parseFloat(getComputedStyle(element).fontSize) < 16)
                small.push(node.textContent.trim().slice(0, 40));
        }
        const targets = [...document.querySelectorAll(
            'a, button, select, input:not([type=hidden]):not([type=radio]), .radio')]
            .filter(visible).filter((e) => e.getBoundingClientRect().height < 44)
            .map((e) => e.outerHTML.slice(0, 80));
        return {small, targets,
                overflow: document.documentElement.scrollWidth > window.innerWidth};
    }"""
    )
    assert found == {"small": [], "targets": [], "overflow": False}, found


async def check_styled(watched: Watched) -> None:
    sheet = watched.loaded("/oauth/static/oauth.css")
    assert sheet.status == 200
    assert sheet.headers["content-type"].startswith("text/css")
    assert "max-age" in sheet.headers["cache-control"]
    styles = await watched.page.evaluate(
        """() => {
        const style = (selector) => getComputedStyle(document.querySelector(selector));
        return {font: style('body').fontFamily, background: style('body').backgroundColor,
                card: style('.card').backgroundColor, title: style('h1').fontWeight,
                header: style('.header').borderBottomStyle};
    }"""
    )
    assert "system-ui" in styles["font"], styles  # not the browser's Times
    assert styles["background"] == "rgb(246, 246, 246)", styles  # the DSFR's grey
    assert styles["card"] == "rgb(255, 255, 255)", styles
    assert styles["title"] == "700", styles
    assert styles["header"] == "solid", styles
    button = watched.page.locator(".button:not(.button--secondary):not(.button--tertiary)")
    if await button.count():  # the primary action, in bleu France
        color = await button.first.evaluate("b => getComputedStyle(b).backgroundColor")
        assert color == "rgb(0, 0, 145)"


@pytest.mark.parametrize("case", PAGES, ids=lambda case: case.name)
async def test_each_page_loads_styled_readable_and_accessible(
    live: Live, cdp_endpoint: str, case: Reach
) -> None:
    async with watched_page(cdp_endpoint, viewport=PHONE) as watched:
        status = await case.reach(live, watched.page)
        document = [r for r in watched.responses if r.request.resource_type == "document"][-1]
        assert document.status == status
        assert await watched.page.evaluate("document.documentElement.lang") == "fr"
        await check_styled(watched)
        await check_phone_layout(watched.page)
        assert await axe_violations(watched.page) == []
        await watched.page.set_viewport_size(DESKTOP)
        assert await axe_violations(watched.page) == []
        watched.clean()


async def test_the_sign_in_page_reads_in_order_with_the_keyboard(
    live: Live, cdp_endpoint: str
) -> None:
    async with watched_page(cdp_endpoint, viewport=PHONE) as watched:
        page = watched.page
        await sign_in_page(live, page)
        order = []
        for _ in range(5):
            await page.keyboard.press("Tab")
            order.append(
                await page.evaluate(
                    "() => { const e = document.activeElement; return [e.id || e.className,"
                    " getComputedStyle(e).outlineStyle]; }"
                )
            )
        # the skip link, the kind (one stop for the radio group), identifier, password, submit
        names = [name for name, _ in order]
        assert names == ["skiplink", "kind-patient", "login", "password", "button"], names
        assert all(outline != "none" for _, outline in order), order  # focus is visible
        watched.clean()


async def test_sign_in_consent_and_back_to_the_client_leave_nothing_readable(
    live: Live, cdp_endpoint: str
) -> None:
    async with watched_page(cdp_endpoint, viewport=PHONE) as watched:
        page = watched.page
        # the client's page: one that answers on this machine (the health check will do)
        callback = f"{live.url}/healthz"
        await consent_page(live, page, callback)
        await page.get_by_role("button", name="Autoriser").click()
        await page.wait_for_url(f"{callback}?*")
        params = parse_qs(urlsplit(page.url).query)
        assert params["state"] == ["st4te"]
        assert params["code"][0]
        await page.goto(f"{live.url}/oauth/login")  # back on the service's origin
        stored = await browser_storage(page)
        assert stored == {"local": {}, "session": {}, "cookies": ""}, stored
        cookies = await watched.context.cookies()
        assert cookies, "the sign-in session has its cookie"
        assert all(c["httpOnly"] for c in cookies), cookies  # out of scripts' reach
        watched.clean()
