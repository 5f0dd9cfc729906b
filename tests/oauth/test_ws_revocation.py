"""A websocket keeps no identity of its own: every operation on it is authorised as an HTTP request
with its token would be at that moment (issue 16, item 1).

The table: each way a token stops being good x each kind of operation on a socket opened before
(a query, a mutation, a subscription already running). After the revocation, the query and the
mutation get the very error HTTP answers, the subscription ends with it within the recheck
interval, every socket closes with 4403, and the access history records no allowed access. The
control row (nothing revoked) goes on working past the recheck interval. Driven with ``gql``, a
client library the server does not use, against a served app.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.settings import Settings
from api.ws_auth import CLOSE_FORBIDDEN, RECHECK_SECONDS
from resolvers.accounts import clients
from resolvers.core.actors import ActorKind
from resolvers.demo.seed import stable_id
from tests.api.documents_support import Caller
from tests.api.messaging_support import doctor, started
from tests.catalogue_support import STATUS, pair, referenced_app
from tests.oauth.ws_support import TICKS, Socket, Subscription, over_http, socket
from tests.oauth_support import PATIENT_INS, Browser, Live, live_server
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import token_factory

CAMILLE = stable_id("patient:camille")
QUERY = f'{{ patient(id: "{CAMILLE}") {{ documents {{ totalCount }} }} }}'
MUTATION = f"""
mutation {{ recordMeasurement(patientId: "{CAMILLE}", input: {{code: "2339-0", unit: "g/L",
  value: 1.05, measuredAt: "2026-11-20T08:00:00Z"}}) {{ __typename }} }}
"""
PAIRINGS = "query { pairings { id revokedAt } }"
REVOKE_PAIRING = """
mutation($p: ID!, $id: ID!) { revokePairing(patientId: $p, pairingId: $id) { __typename } }
"""


@dataclass
class Holder:
    """Who holds the token, and how to end it."""

    live: Live
    clock: FakeClock
    net: httpx.AsyncClient
    client_id: str
    access: str
    refresh: str | None = None
    app: dict[str, Any] | None = None

    @property
    def stores(self) -> Any:
        return self.live.app.state.services.running.stores

    async def allowed_events(self) -> int:
        found: int = await self.stores.access_events.collection.count_documents(
            {"actor.client_id": self.client_id, "outcome": "allowed"}
        )
        return found


@pytest.fixture
async def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture
async def live(settings: Settings, clock: FakeClock) -> AsyncIterator[Live]:
    async with live_server(settings, clock=clock) as running:
        yield running


async def paired_app(
    live: Live, browser: Browser, net: httpx.AsyncClient, clock: FakeClock
) -> Holder:
    app = await referenced_app(live, net)
    token, _ = await pair(live, browser, app["clientId"])
    return Holder(
        live, clock, net, app["clientId"], str(token["access_token"]),
        refresh=str(token["refresh_token"]), app=app,
    )  # fmt: skip


async def patient_token(
    live: Live, browser: Browser, net: httpx.AsyncClient, clock: FakeClock
) -> Holder:
    scope = "documents:read measurements:write"
    access = await token_factory(live.app)(ActorKind.PATIENT, PATIENT_INS, scope)
    actor = await live.app.state.services.running.verifier.verify(access)
    return Holder(live, clock, net, actor.client_id, access)


async def revoke_token(holder: Holder) -> None:
    answer = await holder.net.post(
        f"{holder.live.url}/oauth/revoke",
        data={
            "token": holder.access,
            "token_type_hint": "access_token",
            "client_id": holder.client_id,
        },
    )
    assert answer.status_code == 200


async def revoke_family(holder: Holder) -> None:
    answer = await holder.net.post(
        f"{holder.live.url}/oauth/revoke",
        data={
            "token": holder.refresh,
            "token_type_hint": "refresh_token",
            "client_id": holder.client_id,
        },
    )
    assert answer.status_code == 200


async def revoke_pairing(holder: Holder) -> None:
    manager = await token_factory(holder.live.app)(ActorKind.PATIENT, PATIENT_INS, "space:manage")
    headers = {"authorization": f"Bearer {manager}"}
    listed = await holder.net.post(holder.live.graphql, json={"query": PAIRINGS}, headers=headers)
    [pairing] = listed.json()["data"]["pairings"]
    revoked = await holder.net.post(
        holder.live.graphql,
        json={"query": REVOKE_PAIRING, "variables": {"p": CAMILLE, "id": pairing["id"]}},
        headers=headers,
    )
    assert revoked.json()["data"]["revokePairing"]["__typename"] == "Pairing"


async def withdraw_app(holder: Holder) -> None:
    assert holder.app is not None
    withdrawn = await holder.net.post(
        holder.live.graphql,
        json={"query": STATUS, "variables": {"id": holder.app["id"], "status": "WITHDRAWN"}},
        headers={"authorization": f"Bearer {holder.app['admin']}"},
    )
    assert withdrawn.json()["data"]["setCatalogueAppStatus"]["status"] == "WITHDRAWN"


async def disable_client(holder: Holder) -> None:
    await clients.disable_client(holder.stores, holder.clock, holder.client_id)


async def expire(holder: Holder) -> None:
    holder.clock.advance(timedelta(minutes=10))  # the token lived 5 minutes


async def nothing(holder: Holder) -> None:
    return None


Make = Callable[[Live, Browser, httpx.AsyncClient, FakeClock], Awaitable[Holder]]
End = Callable[[Holder], Awaitable[None]]
ROWS: list[tuple[Make, End]] = [
    (paired_app, revoke_token),
    (paired_app, revoke_family),
    (paired_app, revoke_pairing),
    (paired_app, withdraw_app),
    (paired_app, disable_client),
    (patient_token, expire),
]


async def opened(
    holder: Holder, stack: AsyncExitStack
) -> tuple[Socket, Socket, Socket, Subscription]:
    """Three sockets, each used once while the token is good: a query, a mutation, a
    subscription left running."""
    sockets = [await stack.enter_async_context(socket(holder.live, holder.access)) for _ in "qms"]
    querying, mutating, subscribed = sockets
    assert (await querying.run(QUERY))["patient"]["documents"]["totalCount"] > 0
    assert (await mutating.run(MUTATION))["recordMeasurement"][
        "__typename"
    ] == "MeasurementRecorded"
    ticking = Subscription(subscribed, TICKS)
    stack.push_async_callback(ticking.stop)
    await ticking.started()
    return querying, mutating, subscribed, ticking


@pytest.mark.parametrize("row", ROWS, ids=[end.__name__ for _, end in ROWS])
async def test_a_token_no_longer_good_is_refused_on_an_open_socket_as_over_http(
    live: Live,
    browser: Browser,
    net: httpx.AsyncClient,
    clock: FakeClock,
    row: tuple[Make, End],
) -> None:
    make, end = row
    holder = await make(live, browser, net, clock)
    async with AsyncExitStack() as stack:
        querying, mutating, subscribed, ticking = await opened(holder, stack)
        before = await holder.allowed_events()
        await end(holder)
        started = time.monotonic()
        http = await over_http(net, live, QUERY, holder.access)
        assert http.status_code == 401
        [refused] = http.json()["errors"]
        assert refused["extensions"]["code"] == "UNAUTHENTICATED"
        assert await querying.refusal(QUERY) == [refused]
        assert await mutating.refusal(MUTATION) == [refused]
        assert await ticking.ended(within=RECHECK_SECONDS + 3) == [refused]
        assert time.monotonic() - started <= RECHECK_SECONDS + 3
        for each in (querying, mutating, subscribed):
            assert await each.close_code() == CLOSE_FORBIDDEN
        assert await holder.allowed_events() == before  # nothing read or written after it


async def test_nothing_revoked_the_socket_goes_on(
    live: Live, browser: Browser, net: httpx.AsyncClient, clock: FakeClock
) -> None:
    """The control row: past the recheck interval, all three kinds still work."""
    for make in (paired_app, patient_token):
        holder = await make(live, browser, net, clock)
        async with AsyncExitStack() as stack:
            querying, mutating, _, ticking = await opened(holder, stack)
            await asyncio.sleep(RECHECK_SECONDS + 1)
            assert (await querying.run(QUERY))["patient"]["documents"]["totalCount"] > 0
            assert (await mutating.run(MUTATION))["recordMeasurement"]["__typename"] == (
                "MeasurementRecorded"
            )
            count = len(ticking.results)
            await asyncio.sleep(1)
            assert ticking.errors is None
            assert len(ticking.results) > count


async def test_a_representation_that_ended_is_noticed_at_the_next_operation(
    live: Live, net: httpx.AsyncClient, clock: FakeClock
) -> None:
    """The last row: the parent's token stays good, so the socket stays open; what changes is
    the access policy's answer, asked again by each operation and by each live event."""
    stores = live.app.state.services.running.stores
    make = token_factory(live.app)
    parent = await make_patient(stores, clock, 1, "active")
    child = await make_patient(stores, clock, 2, "active", born=date(2012, 5, 1))
    web = httpx.AsyncClient(base_url=live.url)
    admin = Caller(web, await make(ActorKind.OPERATOR, None, "admin"))
    await admin.data(
        "mutation($id: ID!, $ins: String!) { addRepresentative(patientId: $id, "
        'representativeIns: $ins, relation: "parent") { __typename } }',
        {"id": child["_id"], "ins": parent["ins"]["matricule"]},
    )
    scope = "documents:read agenda:write messages:read"
    access = await make(ActorKind.PATIENT, parent["ins"]["matricule"], scope)
    doctor_caller = await doctor(make, web)
    read = f'{{ patient(id: "{child["_id"]}") {{ documents {{ totalCount }} }} }}'
    start = (clock.now() + timedelta(days=30)).isoformat()
    write = (
        f'mutation {{ addAgendaEvent(patientId: "{child["_id"]}", input: {{kind: REMINDER, '
        f'title: "Vaccin", start: "{start}"}}) {{ __typename '
        "... on AgendaError { code message } } }"
    )
    events = (
        f'subscription {{ messagingEvents(patientId: "{child["_id"]}") {{ __typename '
        "... on MessageReceived { message { body } } } }"
    )
    async with AsyncExitStack() as stack:
        stack.push_async_callback(web.aclose)
        querying, mutating, subscribed = [
            await stack.enter_async_context(socket(live, access)) for _ in "qms"
        ]
        assert (await querying.run(read))["patient"]["documents"]["totalCount"] == 0
        assert (await mutating.run(write))["addAgendaEvent"]["__typename"] == "AgendaEventChange"
        listening = Subscription(subscribed, events)
        stack.push_async_callback(listening.stop)
        await listening.started()
        await started(doctor_caller, child["_id"], body="Avant")
        await listening.received(2)

        await stores.representations.collection.update_many(
            {"represented_id": child["_id"]}, {"$set": {"ended_at": clock.now()}}
        )
        history = {"patient_id": child["_id"], "actor.id": parent["_id"], "outcome": "allowed"}
        before = await stores.access_events.collection.count_documents(history)
        # the read: the error HTTP answers; the write: the refusal HTTP answers
        over = (await over_http(net, live, read, access)).json()
        assert over["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert located_anywhere(await querying.refusal(read)) == located_anywhere(over["errors"])
        over = (await over_http(net, live, write, access)).json()
        assert over["data"]["addAgendaEvent"]["code"] == "NOT_FOUND"
        assert await mutating.run(write) == over["data"]
        await started(doctor_caller, child["_id"], body="Après")
        await asyncio.sleep(2)
        assert [r["messagingEvents"].get("message") for r in listening.results[1:]] == [
            {"body": "Avant"}
        ]
        assert listening.errors is None
        # the token is still good: the socket serves what the parent may still do
        assert (await querying.run("{ me { kind } }"))["me"]["kind"] == "PATIENT"
        assert await stores.access_events.collection.count_documents(history) == before


def located_anywhere(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Errors without their line and column: gql sends the document reformatted."""
    return [{k: v for k, v in error.items() if k != "locations"} for error in errors]
