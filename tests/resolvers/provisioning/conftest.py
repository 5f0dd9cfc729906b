"""The stores of the session's embedded stack, prepared, for the provisioning use cases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.settings import Settings
from storage.stores import Stores
from tests.storage.helpers import open_test_stores


@pytest.fixture
async def stores(settings: Settings) -> AsyncIterator[Stores]:
    async with open_test_stores(settings) as opened:
        yield opened
