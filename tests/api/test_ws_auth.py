"""Websocket clients authenticate in connection_init; a bad token closes the socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import websockets
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from resolvers.core.actors import ActorKind
from tests.oauth_support import PATIENT_INS
from tests.support import serve_app
from tests.tokens import seed, token_factory

PROTOCOL = "graphql-transport-ws"


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[tuple[str, Starlette]]:
    app = create_app(settings)
    async with serve_app(app) as url:
        await seed(app)
        yield url.replace("http://", "ws://") + "/graphql", app


async def connect(url: str, payload: dict[str, object] | None) -> websockets.ClientConnection:
    ws = await websockets.connect(url, subprotocols=[PROTOCOL])  # type: ignore[list-item]
    message: dict[str, object] = {"type": "connection_init"}
    if payload is not None:
        message["payload"] = payload
    await ws.send(json.dumps(message))
    return ws


async def test_a_valid_token_in_connection_init_is_accepted(
    served: tuple[str, Starlette],
) -> None:
    url, app = served
    token = await token_factory(app)(ActorKind.PATIENT, PATIENT_INS, "openid")
    ws = await connect(url, {"Authorization": f"Bearer {token}"})
    async with ws:
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic abc", "Bearer "])
async def test_a_bad_token_closes_the_connection(
    served: tuple[str, Starlette], header: str
) -> None:
    url, _ = served
    ws = await connect(url, {"Authorization": header})
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_anonymous_connections_may_use_public_subscriptions(
    served: tuple[str, Starlette],
) -> None:
    url, _ = served
    ws = await connect(url, None)
    async with ws:
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "subscription { clock(count: 1) }"},
                }
            )
        )
        assert json.loads(await ws.recv())["type"] == "next"
