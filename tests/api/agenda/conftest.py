"""The agenda's tests run the app on a clock they move (``NOW``), with the demo data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from api.settings import Settings
from tests.api.agenda_support import NOW, seeded_app
from tests.support import FakeClock
from tests.tokens import TokenFactory, token_factory


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[Starlette]:
    async with seeded_app(settings, clock) as application:
        yield application


@pytest.fixture
def make(app: Starlette) -> TokenFactory:
    return token_factory(app)
