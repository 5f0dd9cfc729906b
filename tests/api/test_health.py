"""Liveness and readiness, with the stores really stopped, hung and brought back.

These tests run their own embedded stack, so stopping a server disturbs no other test.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.embedded.stack import EmbeddedStack
from api.settings import Settings


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStack]:
    stack = EmbeddedStack(Settings(), data_dir=Path(tmp_path_factory.mktemp("faults")))
    stack.settings = stack.start()
    yield stack
    stack.stop()


@pytest.fixture
async def client(own_stack: EmbeddedStack) -> AsyncIterator[httpx.AsyncClient]:
    application: Starlette = create_app(own_stack.settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def readiness(client: httpx.AsyncClient) -> tuple[int, dict[str, object]]:
    response = await client.get("/readyz")
    return response.status_code, response.json()


async def test_healthz_answers_while_the_process_serves(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_reports_both_stores_up(client: httpx.AsyncClient) -> None:
    status, body = await readiness(client)
    assert status == 200
    assert body == {
        "status": "ready",
        "checks": {"mongodb": {"status": "up"}, "s3": {"status": "up"}},
    }


async def test_s3_stopped_turns_readyz_down_and_it_recovers_by_itself(
    client: httpx.AsyncClient, own_stack: EmbeddedStack
) -> None:
    own_stack.stop_server("s3")
    try:
        status, body = await readiness(client)
        assert status == 503
        assert body["status"] == "not_ready"
        checks = body["checks"]
        assert isinstance(checks, dict)
        assert checks["mongodb"] == {"status": "up"}
        assert checks["s3"]["status"] == "down"
        assert checks["s3"]["reason"]
        assert "127.0.0.1" not in str(checks["s3"])  # a reason, not an address
    finally:
        await asyncio.to_thread(own_stack.start_server, "s3")
    status, body = await readiness(client)  # the same app, nothing restarted
    assert status == 200, body


async def test_mongodb_stopped_turns_readyz_down_and_it_recovers_by_itself(
    client: httpx.AsyncClient, own_stack: EmbeddedStack
) -> None:
    own_stack.stop_server("mongodb")
    try:
        status, body = await readiness(client)
        assert status == 503
        checks = body["checks"]
        assert isinstance(checks, dict)
        assert checks["mongodb"]["status"] == "down"
        assert checks["s3"] == {"status": "up"}
    finally:
        await asyncio.to_thread(own_stack.start_server, "mongodb")
    deadline = time.monotonic() + 15
    while (await readiness(client))[0] != 200:  # the driver reconnects on its own schedule
        assert time.monotonic() < deadline, "readyz did not recover"
        await asyncio.sleep(0.2)


async def test_a_hung_s3_is_reported_within_the_check_timeout(
    client: httpx.AsyncClient, own_stack: EmbeddedStack
) -> None:
    own_stack.pause_server("s3")
    try:
        started = time.monotonic()
        status, body = await readiness(client)
        elapsed = time.monotonic() - started
    finally:
        own_stack.resume_server("s3")
    assert status == 503
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["s3"] == {"status": "down", "reason": "no answer within 2s"}
    assert elapsed < 10
    assert (await readiness(client))[0] == 200


async def test_a_store_timeout_shorter_than_the_check_says_the_same_no_answer(
    own_stack: EmbeddedStack,
) -> None:
    """Whichever of the two timeouts fires first, the reason is the same (CI saw them race)."""
    settings = own_stack.settings.model_copy(update={"s3_timeout_seconds": 0.5})
    application: Starlette = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            own_stack.pause_server("s3")
            try:
                started = time.monotonic()
                status, body = await readiness(http)
                elapsed = time.monotonic() - started
            finally:
                own_stack.resume_server("s3")
    assert (status, body["checks"]) == (
        503,
        {"mongodb": {"status": "up"}, "s3": {"status": "down", "reason": "no answer within 2s"}},
    )
    assert elapsed < 2  # the store's own 0.5 s gave up first
