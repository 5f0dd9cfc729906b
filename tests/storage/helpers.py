"""Opening the stores of a test's settings, prepared and closed around a block."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from api.settings import Settings
from api.stores_config import open_stores
from storage.stores import Stores


@contextlib.asynccontextmanager
async def open_test_stores(settings: Settings) -> AsyncIterator[Stores]:
    stores = open_stores(settings)
    try:
        await stores.prepare()
        yield stores
    finally:
        await stores.close()
