"""GraphiQL in a real headless Chromium: it renders under the CSP and runs a query.

Driven over the Chrome DevTools Protocol with the `websockets` client; skipped (with the reason)
where no Chromium is installed (`apt-get install chromium`; `.ci/run` does it).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


class Page:
    """Just enough of the DevTools protocol: evaluate JavaScript, collect console errors."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.console_errors: list[str] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        await self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(await self.ws.recv())
            if message.get("method") == "Runtime.consoleAPICalled":
                if message["params"]["type"] == "error":
                    self.console_errors.append(json.dumps(message["params"]["args"]))
            elif message.get("method") == "Log.entryAdded":
                if message["params"]["entry"]["level"] == "error":
                    self.console_errors.append(message["params"]["entry"]["text"])
            elif message.get("id") == call_id:
                result: dict[str, Any] = message.get("result", {})
                return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, within: float = 20.0) -> Any:
        """Poll the page until ``expression`` is truthy (the page has no event to wait on)."""
        async with asyncio.timeout(within):
            while not (value := await self.evaluate(expression)):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            return value


@pytest.fixture
async def page(live_url: str, tmp_path: Path) -> AsyncIterator[Page]:
    assert CHROMIUM is not None
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--remote-debugging-port=0",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        async with asyncio.timeout(30):
            while not (
                match := re.search(rb"ws://127\.0\.0\.1:(\d+)/", await process.stderr.readline())
            ):
                pass
        async with httpx.AsyncClient() as http:
            targets = (
                await http.get(f"http://127.0.0.1:{match.group(1).decode()}/json/list")
            ).json()
        target = next(t for t in targets if t["type"] == "page")
        async with websockets.connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
            browser_page = Page(ws)
            await browser_page.call("Runtime.enable")
            await browser_page.call("Log.enable")
            await browser_page.call("Page.navigate", url=f"{live_url}/graphql")
            yield browser_page
    finally:
        process.kill()
        await process.wait()


async def test_graphiql_renders_and_runs_a_query_under_the_csp(page: Page) -> None:
    await page.wait_for("document.querySelector('.graphiql-execute-button') !== null")
    await page.wait_for(
        "document.querySelector('.graphiql-query-editor')?.innerText.includes('Welcome')"
    )
    await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
    result = await page.wait_for(
        "(document.querySelector('.result-window')?.innerText || '').includes('Médecin')"
        " && document.querySelector('.result-window').innerText"
    )
    assert "Mon espace santé API" in result
    assert not [e for e in page.console_errors if "Content Security Policy" in e], (
        page.console_errors
    )


async def test_graphiql_runs_subscriptions_over_websockets(page: Page) -> None:
    editor = "document.querySelector('.graphiql-query-editor .CodeMirror')"
    await page.wait_for(f"{editor} !== null")
    await page.evaluate(
        f"{editor}.CodeMirror.setValue("
        "'subscription Ticks { clock(intervalSeconds: 0.1, count: 2) }')"
    )
    # GraphiQL reads the operation name from the editor after a short debounce
    await page.wait_for(
        "document.querySelector('.graphiql-query-editor').innerText.includes('Ticks')"
    )
    await asyncio.sleep(0.5)
    await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
    result = await page.wait_for(
        "(document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() || '')"
        ".includes('clock') && document.querySelector('.result-window .CodeMirror')"
        ".CodeMirror.getValue()"
    )
    assert re.search(r'"clock": "\d{4}-\d{2}-\d{2}T', result), result
    assert not page.console_errors, page.console_errors
