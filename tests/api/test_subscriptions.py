"""Subscriptions over graphql-transport-ws, with a real websocket client on a real socket."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Origin

PROTOCOL = "graphql-transport-ws"


def ws_url(live_url: str) -> str:
    return live_url.replace("http://", "ws://") + "/graphql"


async def receive(ws: ClientConnection) -> dict[str, Any]:
    frame = await ws.recv()
    assert isinstance(frame, str), "graphql-transport-ws messages are text frames"
    message: dict[str, Any] = json.loads(frame)
    return message


async def open_session(live_url: str, **kwargs: Any) -> ClientConnection:
    ws = await websockets.connect(ws_url(live_url), subprotocols=[PROTOCOL], **kwargs)  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init"}))
    assert await receive(ws) == {"type": "connection_ack"}
    return ws


async def test_clock_ticks_then_completes(live_url: str) -> None:
    ws = await open_session(live_url)
    async with ws:
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "subscription { clock(intervalSeconds: 0.1, count: 3) }"},
                }
            )
        )
        ticks = [await receive(ws) for _ in range(3)]
        assert await receive(ws) == {"id": "1", "type": "complete"}
    times = [datetime.fromisoformat(t["payload"]["data"]["clock"]) for t in ticks]
    assert all(t["type"] == "next" and t["id"] == "1" for t in ticks)
    assert times == sorted(times)
    assert all(t.utcoffset() is not None for t in times)


@pytest.mark.parametrize(
    ("payload", "extensions"),
    [
        (
            {"query": "subscription { clock(intervalSeconds: 0) }"},
            {"code": "BAD_USER_INPUT", "field": "intervalSeconds"},
        ),
        ({"query": "subscription { nope }"}, {"code": "GRAPHQL_VALIDATION_FAILED"}),
        ({"query": "subscription A { clock }", "operationName": "B"}, {"code": "BAD_REQUEST"}),
    ],
)
async def test_refused_subscriptions_get_an_error_message_with_a_code(
    live_url: str, payload: dict[str, str], extensions: dict[str, str]
) -> None:
    ws = await open_session(live_url)
    async with ws:
        await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": payload}))
        message = await receive(ws)
        # the connection stays usable after a refused subscription
        await ws.send(
            json.dumps(
                {
                    "id": "ok",
                    "type": "subscribe",
                    "payload": {"query": "subscription { clock(count: 1) }"},
                }
            )
        )
        assert (await receive(ws))["type"] == "next"
    assert (message["id"], message["type"]) == ("s", "error")
    assert message["payload"][0]["extensions"] == extensions


async def test_unknown_subprotocols_are_refused(live_url: str) -> None:
    async with websockets.connect(ws_url(live_url), subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4406


async def test_cross_origin_pages_cannot_open_a_websocket(live_url: str) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            ws_url(live_url),
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            origin=Origin("https://evil.example"),
        )
    assert refused.value.response.status_code == 403
