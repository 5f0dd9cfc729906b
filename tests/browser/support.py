"""Real Chromium for the browser tests, driven with Playwright (never a downloaded browser).

One Chromium process per test module, started with a fresh profile and reached over the DevTools
protocol; each test gets its own browser context (its own cookies and storage) and a page that
records what a person would not see: console errors and requests answered 400 or more, or not at
all. axe-core (an npm package of this folder, ``npm ci`` by ``make``) checks accessibility.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.error import URLError

from playwright.async_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    ViewportSize,
    async_playwright,
)

from tests.oauth_support import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 375, "height": 740}  # a small phone, in CSS pixels
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[str]:
    """A headless Chromium with a fresh profile; yields its DevTools endpoint."""
    assert CHROMIUM is not None
    port = free_port()
    with (profile.parent / "chromium.log").open("wb") as log:
        process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--remote-debugging-port={port}",
             "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )  # fmt: skip
        try:
            endpoint = f"http://127.0.0.1:{port}"
            _wait_for(f"{endpoint}/json/version", process)
            yield endpoint
        finally:
            process.kill()
            process.wait()


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Chromium exited with {process.returncode}")
        with (
            contextlib.suppress(URLError, ConnectionError),
            urllib.request.urlopen(url, timeout=1),  # noqa: S310 - loopback
        ):
            return
        time.sleep(0.1)
    raise TimeoutError("Chromium did not open its DevTools endpoint")


@dataclass
class Watched:
    """A page, and what went wrong in it (beyond the document's own status)."""

    page: Page
    context: BrowserContext
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        documents = {r.url for r in self.responses if r.request.resource_type == "document"}
        if message.location.get("url") in documents and "Failed to load resource" in message.text:
            return  # Chromium's note on an error page's own status, checked by the test
        self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def _request_failed(self, request: Request) -> None:
        self.failed.append(f"{request.method} {request.url}: {request.failure}")

    def _response(self, response: Response) -> None:
        self.responses.append(response)
        # a document may answer 4xx on purpose (an error page); its assets never may
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed.append(f"{response.request.method} {response.url}: {response.status}")

    def clean(self) -> None:
        assert not self.console_errors, self.console_errors
        assert not self.failed, self.failed

    def loaded(self, path: str) -> Response:
        found = [r for r in self.responses if r.url.split("?")[0].endswith(path)]
        assert found, f"{path} was never requested"
        return found[-1]


@contextlib.asynccontextmanager
async def watched_page(endpoint: str, **context_options: Any) -> AsyncIterator[Watched]:
    """A fresh browser context (cookies, storage) in the shared Chromium, and a page in it."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.connect_over_cdp(endpoint)
        context = await browser.new_context(locale="fr-FR", **context_options)
        context.set_default_timeout(15_000)
        page = await context.new_page()
        watched = Watched(page, context)
        watched.watch(page)
        try:
            yield watched
        finally:
            await context.close()
            await browser.close()  # the connection only: the process is the module's


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations (WCAG 2.1 A and AA rules and best practices),
    injected over the DevTools protocol so that the page's CSP, which forbids scripts, stays."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    results: dict[str, Any] = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def browser_storage(page: Page) -> dict[str, Any]:
    """Everything a script of the page can read back: both storages and the cookies."""
    stored: dict[str, Any] = await page.evaluate(
        """() => ({
            local: Object.fromEntries(Object.entries(localStorage)),
            session: Object.fromEntries(Object.entries(sessionStorage)),
            cookies: document.cookie,
        })"""
    )
    return stored
