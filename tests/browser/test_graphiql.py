"""GraphiQL in real Chromium: it renders under its strict CSP, runs queries and subscriptions,
signs a demo person in with the authorization code flow and PKCE, and writes nothing of a token
or a header to browser storage."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from playwright.async_api import Page

from resolvers.demo.seed import stable_id
from tests.browser.support import DESKTOP, Watched, browser_storage, watched_page
from tests.browser.test_oauth_pages import sign_in
from tests.oauth_support import Live

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the module's live server runs there

EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
RESULT = "document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() || ''"
SECRET = "pasted-secret-token"


async def until(page: Page, expression: str, within: float = 15.0) -> None:
    """Poll ``expression`` until truthy (Playwright's wait_for_function compiles its argument
    with ``new Function``, which GraphiQL's CSP forbids, as it should)."""
    async with asyncio.timeout(within):
        while not await page.evaluate(expression):  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0.1)


async def open_graphiql(live: Live, watched: Watched) -> Page:
    page = watched.page
    await page.goto(f"{live.url}/graphql")
    await page.wait_for_selector(".graphiql-query-editor .CodeMirror")
    return page


async def run(page: Page, query: str, expect: str) -> str:
    """Type ``query`` in the editor, run it, and wait for a result containing ``expect``."""
    await page.evaluate(f"q => {EDITOR}.setValue(q)", query)
    await page.wait_for_timeout(400)  # GraphiQL reads the operation after a short debounce
    await page.locator(".graphiql-execute-button").click()
    await until(page, f"({RESULT}).includes({expect!r})")
    result: str = await page.evaluate(RESULT)
    return result


def stored_headers(value: object) -> list[object]:
    """Every non-empty ``headers`` field in a stored value (GraphiQL keeps JSON documents)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if isinstance(value, dict):
        own = [v for k, v in value.items() if k == "headers" and v]
        return own + [h for v in value.values() for h in stored_headers(v)]
    if isinstance(value, list):
        return [h for v in value for h in stored_headers(v)]
    return []


def nothing_sensitive(stored: dict[str, Any], *secrets: str) -> None:
    """No token, no header, no PKCE verifier: in any storage a script of the page reads."""
    assert stored["session"] == {}, stored
    assert stored["cookies"] == "", stored
    assert "graphiql:headers" not in stored["local"], stored
    assert stored_headers(stored["local"]) == [], stored
    for secret in secrets:
        assert secret not in repr(stored), (secret, stored)


async def test_graphiql_renders_and_runs_a_query_under_the_csp(
    live: Live, cdp_endpoint: str
) -> None:
    async with watched_page(cdp_endpoint, viewport=DESKTOP) as watched:
        page = await open_graphiql(live, watched)
        await until(page, f"{EDITOR}.getValue().includes('Welcome')")
        await page.locator(".graphiql-execute-button").click()
        await until(page, f"({RESULT}).includes('Médecin')")
        assert "Mon espace santé API" in await page.evaluate(RESULT)
        watched.clean()  # no CSP violation, no asset missing


async def test_graphiql_runs_subscriptions_over_websockets(live: Live, cdp_endpoint: str) -> None:
    async with watched_page(cdp_endpoint, viewport=DESKTOP) as watched:
        page = await open_graphiql(live, watched)
        result = await run(
            page, "subscription Ticks { clock(intervalSeconds: 0.1, count: 2) }", "clock"
        )
        assert re.search(r'"clock": "\d{4}-\d{2}-\d{2}T', result), result
        watched.clean()


async def test_a_header_pasted_in_graphiql_is_never_stored(live: Live, cdp_endpoint: str) -> None:
    async with watched_page(cdp_endpoint, viewport=DESKTOP) as watched:
        page = await open_graphiql(live, watched)
        await page.get_by_role("button", name="Headers").click()
        headers = page.locator(".graphiql-editor-tool .CodeMirror:visible")
        await headers.evaluate(
            "(e, value) => e.CodeMirror.setValue(value)",
            f'{{"Authorization": "Bearer {SECRET}"}}',
        )
        sent = []
        page.on("request", lambda r: sent.append(r.headers.get("authorization")))
        await run(page, "query Me { me { kind } }", "UNAUTHENTICATED")  # a forged token
        assert f"Bearer {SECRET}" in sent  # the header was used...
        await page.reload()  # ...and GraphiQL saved its history and tabs
        await page.wait_for_selector(".graphiql-query-editor .CodeMirror")
        stored = await browser_storage(page)
        assert "graphiql:queries" in stored["local"], stored  # the history is kept
        nothing_sensitive(stored, SECRET)


async def test_a_demo_patient_signs_in_from_graphiql_and_queries_as_herself(
    live: Live, cdp_endpoint: str
) -> None:
    async with watched_page(cdp_endpoint, viewport=DESKTOP) as watched:
        page = await open_graphiql(live, watched)
        async with watched.context.expect_page() as opened:
            await page.get_by_role("button", name="Se connecter").click()
        popup = await opened.value
        watched.watch(popup)
        await popup.wait_for_url("**/oauth/login")
        assert "GraphiQL" in await popup.locator("main").inner_text()  # the app asking
        await sign_in(popup)
        assert "Autoriser GraphiQL" in await popup.locator("h1").inner_text()
        async with popup.expect_event("close"):  # hands the code over, then closes
            await popup.get_by_role("button", name="Autoriser").click()
        await until(
            page, "document.getElementById('session-status').textContent.includes('Connecté')"
        )
        assert await page.get_by_role("button", name="Se déconnecter").is_visible()
        result = await run(page, "query Me { me { kind id clientId } }", "PATIENT")
        me = json.loads(result)["data"]["me"]
        assert me == {"kind": "PATIENT", "id": stable_id("patient:camille"), "clientId": "graphiql"}
        token_requests = [r for r in watched.responses if r.url.endswith("/oauth/token")]
        token = (await token_requests[-1].json())["access_token"]
        nothing_sensitive(await browser_storage(page), token, token[:20])
        # signing out forgets the token: protected fields are refused again
        await page.get_by_role("button", name="Se déconnecter").click()
        await run(page, "query Again { me { kind } }", "UNAUTHENTICATED")
        watched.clean()
