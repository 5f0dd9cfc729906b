"""A graphql-transport-ws client the server does not use (``gql``), for the websocket tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from gql import Client, gql
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from tests.oauth_support import Live

TICKS = "subscription { clock(intervalSeconds: 0.25) }"


class Socket:
    """One open connection, authenticated in ``connection_init``."""

    def __init__(self, session: AsyncClientSession, transport: WebsocketsTransport) -> None:
        self.session = session
        self.transport = transport
        self.raw: Any = transport.adapter.websocket  # kept: gql forgets it once closed

    async def run(self, query: str) -> dict[str, Any]:
        """The data of a query or a mutation; ``TransportQueryError`` carries the errors."""
        result: dict[str, Any] = await asyncio.wait_for(self.session.execute(gql(query)), 15)
        return result

    async def refusal(self, query: str) -> list[dict[str, Any]]:
        """The errors the server answered ``query`` with."""
        try:
            await self.run(query)
        except TransportQueryError as error:
            return list(error.errors or [])
        raise AssertionError(f"{query!r} was answered")

    async def close_code(self, within: float = 5.0) -> int | None:
        await asyncio.wait_for(self.raw.wait_closed(), within)
        code: int | None = self.raw.close_code
        return code


@asynccontextmanager
async def socket(live: Live, token: str) -> AsyncIterator[Socket]:
    transport = WebsocketsTransport(
        url=live.url.replace("http://", "ws://") + "/graphql",
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    client = Client(transport=transport)
    session = await client.connect_async()
    try:
        yield Socket(session, transport)
    finally:
        await client.close_async()


class Subscription:
    """A subscription read in the background: its results, and how it ended."""

    def __init__(self, connection: Socket, query: str) -> None:
        self.results: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] | None = None
        self.first = asyncio.Event()
        self._more = asyncio.Event()
        self.task = asyncio.create_task(self._read(connection, query))

    async def _read(self, connection: Socket, query: str) -> None:
        try:
            async for result in connection.session.subscribe(gql(query)):
                self.results.append(result)
                self.first.set()
                self._more.set()
        except TransportQueryError as error:
            self.errors = list(error.errors or [])

    async def started(self) -> None:
        await asyncio.wait_for(self.first.wait(), 15)

    async def received(self, count: int, within: float = 10) -> None:
        async with asyncio.timeout(within):
            while len(self.results) < count:
                self._more.clear()
                await self._more.wait()

    async def ended(self, within: float) -> list[dict[str, Any]] | None:
        """The errors it ended with, once ended (at most ``within`` seconds)."""
        await asyncio.wait_for(asyncio.shield(self.task), within)
        return self.errors

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def over_http(net: httpx.AsyncClient, live: Live, query: str, token: str) -> httpx.Response:
    return await net.post(
        live.graphql, json={"query": query}, headers={"authorization": f"Bearer {token}"}
    )
