"""Live messaging over graphql-transport-ws, with real websockets on real sockets: two instances
of the service share one database, and what one receives the other delivers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection

from api.app import create_app
from api.settings import Settings
from resolvers.core.actors import ActorKind
from tests.api.documents_support import BENALI, BENALI_RPPS, CAMILLE, Caller
from tests.api.messaging_support import MARK_READ, camille, doctor, sent, started
from tests.oauth_support import PATIENT_INS
from tests.support import serve_app
from tests.tokens import seed, token_factory

PROTOCOL = "graphql-transport-ws"
EVENTS = """
subscription($after: String) {
  messagingEvents(after: $after) {
    __typename
    ... on MessagingStarted { cursor }
    ... on MessageReceived { cursor conversationId message { id number body author { side } } }
    ... on MessagesRead { cursor conversationId upToNumber reader { side } }
  }
}
"""
WAIT = 15.0


@dataclass
class Instance:
    app: Starlette
    url: str
    http: httpx.AsyncClient


@pytest.fixture
async def instances(settings: Settings) -> AsyncIterator[tuple[Instance, Instance]]:
    """Two replicas of the service on their own ports, sharing the test's database."""
    first, second = create_app(settings), create_app(settings)
    async with serve_app(first) as url_a, serve_app(second) as url_b:
        await seed(first)
        async with (
            httpx.AsyncClient(base_url=url_a) as http_a,
            httpx.AsyncClient(base_url=url_b) as http_b,
        ):
            yield Instance(first, url_a, http_a), Instance(second, url_b, http_b)


class Subscriber:
    """A graphql-transport-ws client holding one ``messagingEvents`` subscription."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    @classmethod
    async def connect(cls, url: str, token: str, after: str | None = None) -> Subscriber:
        ws = await websockets.connect(
            url.replace("http://", "ws://") + "/graphql",
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
        )
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        payload = {"query": EVENTS, "variables": {"after": after}}
        await ws.send(json.dumps({"id": "events", "type": "subscribe", "payload": payload}))
        return cls(ws)

    async def next(self) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))
        assert frame["type"] == "next", frame
        assert "errors" not in frame["payload"], frame
        event: dict[str, Any] = frame["payload"]["data"]["messagingEvents"]
        return event

    async def frame(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))
        return message

    async def nothing_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.ws.recv(), seconds)
        except TimeoutError:
            return True
        return False

    async def close(self) -> None:
        await self.ws.close()


async def test_a_message_sent_through_one_instance_reaches_a_subscriber_on_the_other(
    instances: tuple[Instance, Instance],
) -> None:
    a, b = instances
    make = token_factory(a.app)
    lefevre, patient = await doctor(make, a.http), await camille(make, a.http)
    listening = await Subscriber.connect(b.url, patient.token)
    try:
        assert (await listening.next())["__typename"] == "MessagingStarted"
        result = await started(lefevre, CAMILLE, body="Vos résultats sont arrivés.")
        event = await listening.next()
        assert event["__typename"] == "MessageReceived"
        assert event["conversationId"] == result["conversation"]["id"]
        assert event["message"]["body"] == "Vos résultats sont arrivés."
        assert event["message"]["author"]["side"] == "PROFESSIONAL"
        # a read receipt, sent through instance A, reaches B's subscriber too
        await lefevre.data(MARK_READ, {"id": result["conversation"]["id"]})
        assert await listening.nothing_within(0.3)  # nothing to read: no receipt
        await sent(patient, result["conversation"]["id"], body="Merci")
        assert (await listening.next())["message"]["body"] == "Merci"  # her own, for her devices
        await lefevre.data(MARK_READ, {"id": result["conversation"]["id"]})
        receipt = await listening.next()
        assert receipt["__typename"] == "MessagesRead"
        assert (receipt["upToNumber"], receipt["reader"]["side"]) == (2, "PROFESSIONAL")
    finally:
        await listening.close()


async def test_a_subscriber_that_reconnects_with_its_last_cursor_misses_nothing(
    instances: tuple[Instance, Instance],
) -> None:
    a, b = instances
    make = token_factory(a.app)
    lefevre, patient = await doctor(make, a.http), await camille(make, a.http)
    first = await Subscriber.connect(b.url, patient.token)
    cursor = (await first.next())["cursor"]
    conversation_id = (await started(lefevre, CAMILLE, body="un"))["conversation"]["id"]
    received = await first.next()
    assert received["message"]["body"] == "un"
    cursor = received["cursor"]
    await first.close()
    # sent while she is away, through both instances
    await sent(lefevre, conversation_id, body="deux")
    await sent(Caller(b.http, lefevre.token), conversation_id, body="trois")

    again = await Subscriber.connect(a.url, patient.token, after=cursor)
    try:
        replayed = [await again.next() for _ in range(2)]
        assert [e["message"]["body"] for e in replayed] == ["deux", "trois"]
        await sent(lefevre, conversation_id, body="quatre")
        live = await again.next()
        assert live["message"]["body"] == "quatre"
        assert await again.nothing_within(0.5)  # no duplicate of anything
    finally:
        await again.close()
    # from the cursor of the very start (before any message), all four come back, once each
    whole = await Subscriber.connect(b.url, patient.token, after=replayed[0]["cursor"])
    try:
        assert [(await whole.next())["message"]["body"] for _ in range(2)] == ["trois", "quatre"]
        assert await whole.nothing_within(0.5)
    finally:
        await whole.close()


async def test_a_position_the_service_never_gave_is_refused(
    instances: tuple[Instance, Instance],
) -> None:
    a, _ = instances
    patient = await camille(token_factory(a.app), a.http)
    listening = await Subscriber.connect(a.url, patient.token, after="bm90LWEtdG9rZW4")
    try:
        frame = await listening.frame()
        assert frame["type"] in {"next", "error"}
        errors = frame["payload"]["errors"] if frame["type"] == "next" else frame["payload"]
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert errors[0]["extensions"]["field"] == "after"
    finally:
        await listening.close()


async def test_a_blocked_professional_stops_receiving_at_once(
    instances: tuple[Instance, Instance],
) -> None:
    a, b = instances
    make = token_factory(a.app)
    benali = await doctor(make, a.http, BENALI_RPPS)
    patient = await camille(make, a.http, "messages:read messages:write space:manage")
    conversation_id = (await started(benali, CAMILLE))["conversation"]["id"]
    listening = await Subscriber.connect(b.url, benali.token)
    try:
        await listening.next()  # started
        await sent(patient, conversation_id, body="Avant")
        assert (await listening.next())["message"]["body"] == "Avant"
        await patient.data(
            "mutation($p: ID!, $pro: ID!) { setProfessionalAccess(patientId: $p, "
            "professionalId: $pro, blocked: true) { __typename } }",
            {"p": CAMILLE, "pro": BENALI},
        )
        await sent(patient, conversation_id, body="Après")
        assert await listening.nothing_within(1.0)
    finally:
        await listening.close()


async def test_without_a_token_there_is_no_event(instances: tuple[Instance, Instance]) -> None:
    a, _ = instances
    ws = await websockets.connect(
        a.url.replace("http://", "ws://") + "/graphql",
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
    )
    async with ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        payload = {"query": EVENTS, "variables": {}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        frame = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        errors = frame["payload"]["errors"] if frame["type"] == "next" else frame["payload"]
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_subscription_ends_when_the_access_token_expires(
    instances: tuple[Instance, Instance],
) -> None:
    a, _ = instances
    make = token_factory(a.app)
    short = await make(ActorKind.PATIENT, PATIENT_INS, "messages:read", timedelta(seconds=2))
    listening = await Subscriber.connect(a.url, short)
    try:
        assert (await listening.next())["__typename"] == "MessagingStarted"
        frame = await listening.frame()  # within the token's life and one wait slice
        errors = frame["payload"]["errors"] if frame["type"] == "next" else frame["payload"]
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "expired" in errors[0]["message"]
    finally:
        await listening.close()


async def test_without_the_messaging_scope_there_is_no_event(
    instances: tuple[Instance, Instance],
) -> None:
    a, _ = instances
    token = await token_factory(a.app)(ActorKind.PATIENT, PATIENT_INS, "documents:read")
    listening = await Subscriber.connect(a.url, token)
    try:
        frame = await listening.frame()
        errors = frame["payload"]["errors"] if frame["type"] == "next" else frame["payload"]
        assert errors[0]["extensions"] == {
            "code": "INSUFFICIENT_SCOPE",
            "missingScopes": ["messages:read"],
        }
    finally:
        await listening.close()


async def test_reconnecting_while_messages_flow_loses_and_repeats_nothing(
    instances: tuple[Instance, Instance],
) -> None:
    """Messages keep coming through A while the subscriber drops and resumes on B: the replay
    and the live events overlap, and the subscriber still sees each message exactly once."""
    a, b = instances
    make = token_factory(a.app)
    lefevre, patient = await doctor(make, a.http), await camille(make, a.http)
    conversation_id = (await started(lefevre, CAMILLE, body="0"))["conversation"]["id"]
    bodies = [str(n) for n in range(1, 41)]

    async def flow() -> None:
        for body in bodies:
            await sent(lefevre, conversation_id, body=body)
            await asyncio.sleep(0.01)

    listening = await Subscriber.connect(b.url, patient.token)
    cursor = (await listening.next())["cursor"]
    sending = asyncio.create_task(flow())
    seen: list[str] = []
    try:
        while len(seen) < len(bodies):
            for _ in range(5):  # a few events, then drop the connection and resume
                event = await listening.next()
                seen.append(event["message"]["body"])
                cursor = event["cursor"]
                if len(seen) == len(bodies):
                    break
            await listening.close()
            listening = await Subscriber.connect(b.url, patient.token, after=cursor)
        assert await listening.nothing_within(0.5)
    finally:
        await listening.close()
        await sending
    assert seen == bodies
