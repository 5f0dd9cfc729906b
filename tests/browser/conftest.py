"""One Chromium and one live server per test module, shared by its tests (each test still gets
its own browser context: cookies and storage); the tests run in the module's event loop, where
the server runs (each module sets ``pytestmark = pytest.mark.asyncio(loop_scope="module")``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from pymongo import MongoClient

from api.settings import Settings
from tests.browser.support import AXE, CHROMIUM, chromium
from tests.conftest import isolated_settings
from tests.oauth_support import Live, live_server


@pytest.fixture(scope="module")
def cdp_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Chromium for the whole module (starting one costs about a second)."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does it)")
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (make unit runs npm ci in tests/browser)")
    with chromium(tmp_path_factory.mktemp("chromium") / "profile") as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def module_settings(
    stack_settings: Settings, mongo_admin: MongoClient[dict[str, object]]
) -> Iterator[Settings]:
    with isolated_settings(stack_settings, mongo_admin) as isolated:
        yield isolated


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(module_settings: Settings, cdp_endpoint: str) -> AsyncIterator[Live]:
    """The app on a real port with the demo set and GraphiQL's sign-in client (after Chromium:
    without it, nothing starts)."""
    async with live_server(module_settings) as running:
        yield running
