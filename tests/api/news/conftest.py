"""The news tests' cast: the demo data seeded, a real SMTP server, and a sender pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from api.settings import Settings
from tests.api.news_support import Cast, cast
from tests.api.smtp_support import Inbox, sender_to, smtp_server
from tests.tokens import seed, token_factory


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def c(
    app: Starlette, http: httpx.AsyncClient, settings: Settings, smtp: tuple[Inbox, int]
) -> Cast:
    await seed(app)
    inbox, port = smtp
    return await cast(app, http, token_factory(app), sender_to(settings, port), inbox)
