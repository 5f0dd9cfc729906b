"""Fault tests stop, pause and restart servers: each module gets an embedded stack of its own
(short store timeouts, so an outage is noticed within seconds), never the session's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.embedded.stack import EmbeddedStack
from api.settings import Settings
from tests.tokens import seed


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStack]:
    stack = EmbeddedStack(
        Settings(mongodb_timeout_ms=1500, s3_timeout_seconds=2, background_workers=False),
        data_dir=Path(tmp_path_factory.mktemp("faults")),
    )
    stack.settings = stack.start()
    yield stack
    stack.stop()


@pytest.fixture
async def app(own_stack: EmbeddedStack) -> AsyncIterator[Starlette]:
    application: Starlette = create_app(own_stack.settings)
    async with application.router.lifespan_context(application):
        await seed(application)
        yield application
