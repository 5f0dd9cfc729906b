"""MongoDB out of reach: every way a repository talks to it (a call, a cursor read one by one
or whole, an aggregation, a transaction, a change stream, the start-up preparation) raises
``StoreUnavailable("mongodb")``, chained from the driver's error, and nothing else.

The server here is a loopback port nobody listens on, so the driver fails fast and for real
(no mock): the same errors a stopped server gives (``tests/api/faults`` stops a real one).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.errors import AutoReconnect, ConnectionFailure

from storage.documents import DocumentDoc
from storage.errors import StoreUnavailable, unavailable_store
from storage.message_feed import open_feed
from storage.objects import ObjectStoreConfig
from storage.stores import MongoConfig, Stores

Operation = Callable[[Stores], Awaitable[object]]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
async def unreachable() -> AsyncIterator[Stores]:
    port = _closed_port()
    stores = Stores.connect(
        MongoConfig(uri=f"mongodb://127.0.0.1:{port}/", database="nowhere", timeout_ms=200),
        ObjectStoreConfig(endpoint=f"127.0.0.1:{port}", access_key="a", secret_key="b", bucket="c"),
    )
    yield stores
    await stores.close()


async def _streamed(stores: Stores) -> list[DocumentDoc]:
    return [doc async for doc in stores.documents.stream_where({})]


async def _abandoned(stores: Stores) -> list[DocumentDoc]:
    return [doc async for doc in stores.documents.abandoned_uploads(datetime.now(UTC))]


async def _feed(stores: Stores) -> None:
    async with open_feed(stores.db) as feed:
        await feed.ready()


async def _transaction(stores: Stores) -> None:
    # Inside ``with_transaction`` the driver's own error passes untouched (PyMongo retries a
    # transient one - against a server that stays away, for its two minutes: too long here), and
    # the boundary translates what the retries did not get past: as if the last attempt met this.
    async def work(session: Any) -> None:
        raise AutoReconnect("connection closed")

    await stores.in_transaction(work)


OPERATIONS: dict[str, Operation] = {
    "a call (find_one)": lambda s: s.patients.get("x"),
    "a write (insert)": lambda s: s.space_exports.delete("x"),
    "a count": lambda s: s.documents.count({}),
    "a distinct": lambda s: s.conversations.patients_of("x"),
    "a cursor read whole (find_page)": lambda s: s.documents.find_page(
        {}, sort_key="created_at", first=5
    ),
    "a cursor read whole (list_where)": lambda s: s.documents.list_where({}, oldest_first_by="x"),
    "a cursor read one by one (stream_where)": _streamed,
    "a repository's own stream": _abandoned,
    "an aggregation": lambda s: s.messages.unread_by_conversation("x", ["c"]),
    "a transaction": _transaction,
    "a one-attempt transaction": lambda s: s.insert_together([(s.space_exports, [{"_id": "x"}])]),
    "a change stream": _feed,
    "the start-up preparation": lambda s: s.prepare(),
    "the readiness ping": lambda s: s.ping_mongodb(),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
async def test_mongodb_out_of_reach_is_store_unavailable_chained_from_the_driver(
    unreachable: Stores, name: str
) -> None:
    with pytest.raises(StoreUnavailable) as raised:
        await OPERATIONS[name](unreachable)
    assert raised.value.store == "mongodb"
    assert unavailable_store(raised.value) == "mongodb"
    assert isinstance(raised.value.__cause__, ConnectionFailure)  # the driver's, for the logs
    # no server answered within the selection timeout (the transaction's own error says less)
    assert raised.value.timed_out == (name != "a transaction")


def test_only_the_stores_own_error_says_a_store_is_unavailable() -> None:
    # Upper layers look for StoreUnavailable alone: a driver error that escaped storage would be
    # a bug (shown as INTERNAL), not silently passed off as an outage.
    assert unavailable_store(ConnectionFailure("down")) is None
    assert unavailable_store(StoreUnavailable("s3")) == "s3"
