from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from api.settings import Settings
from tests.browser.support import AXE, CHROMIUM, chromium
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


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    """The app on a real port with the demo set and GraphiQL's sign-in client."""
    async with live_server(settings) as running:
        yield running
