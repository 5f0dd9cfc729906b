"""Live delivery to 500 concurrent subscribers on one API process, against MongoDB's own change
stream delivery in the same run.

Ours: 500 patients each hold a ``messagingEvents`` subscription over a real websocket to one
``espace-sante serve`` process; a professional sends messages through the ``sendMessage``
mutation at a steady rate, each to one of them. A message's latency runs from the moment its
mutation is sent to the moment its subscriber's websocket has it: access checks, the transaction,
the trace, the change stream, the hub's fan-out and the delivery trace included. Baseline: an
``insert_one`` into a collection watched by a raw PyMongo change stream, at the same rate, from
the insert's start to the event. The process's memory is read from ``/proc`` before the
subscribers connect, once they all listen, and at its peak while the messages flow.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from typing import Any

import httpx
import websockets
from pymongo import AsyncMongoClient

from api.settings import Settings
from api.stores_config import open_stores
from bench.harness import Figure, Section
from bench.server import api_server, free_port, memory_mib, reset_peak
from bench.tokens import issue_tokens
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import SystemClock
from resolvers.core.identity import matricule_authority, nir_key
from resolvers.demo.seed import seed_demo, stable_id
from resolvers.documents.rules import DocumentConfig
from resolvers.messaging import writes as messaging
from storage.patients import PatientDoc, new_space
from storage.stores import Stores

SUBSCRIBERS = int(os.environ.get("BENCH_MESSAGING_SUBSCRIBERS", "500"))
MESSAGES = int(os.environ.get("BENCH_MESSAGING_MESSAGES", "1000"))
RATE = float(os.environ.get("BENCH_MESSAGING_RATE", "25"))  # messages per second
LEFEVRE_RPPS = "10001234565"
EVENTS = (
    "subscription { messagingEvents { __typename ... on MessageReceived { message { body } } } }"
)
SEND = (
    "mutation($c: ID!, $b: String!) { sendMessage(input: {conversationId: $c, body: $b}) "
    "{ __typename } }"
)


def _patient(index: int, now: Any) -> PatientDoc:
    first13 = f"28503{44000000 + index:08d}"
    matricule = f"{first13}{nir_key(first13):02d}"
    return {
        "_id": stable_id(f"bench-patient:{index}"),
        "ins": {"matricule": matricule, "oid": matricule_authority(matricule)},
        "identity": {
            "birth_names": f"BANC{index}",
            "first_names": ["Essai"],
            "sex": "F",
            "birth_date": "1985-03-04",
            "birth_place_code": "44109",
        },
        "email": None,
        "address": None,
        "space": new_space("active", opened_at=now, activated_at=now),
        "created_at": now,
        "updated_at": now,
    }


async def _population(stores: Stores) -> list[tuple[str, str]]:
    """The subscribers' INS and their conversation with Dr Lefèvre (made once)."""
    clock = SystemClock()
    await seed_demo(stores, clock)
    lefevre = Actor(
        ActorKind.PROFESSIONAL, stable_id("professional:lefevre"), "bench", frozenset(),
        profession_code="10",
    )  # fmt: skip
    people = []
    for index in range(SUBSCRIBERS):
        patient = _patient(index, clock.now())
        await stores.patients.insert_if_missing(patient)
        found = await stores.conversations.collection.find_one({"patient_id": patient["_id"]})
        if found is None:
            found, _ = await messaging.start_conversation(
                stores, clock, DocumentConfig(), lefevre, patient["_id"],
                messaging.Draft(subject="Banc d'essai", body="Bonjour"),
            )  # fmt: skip
        people.append((patient["ins"]["matricule"], found["_id"]))
    return people


async def _tokens(
    settings: Settings, stores: Stores, logins: list[tuple[ActorKind, str]]
) -> list[str]:
    return await issue_tokens(settings, stores, logins, "messages:read messages:write")


async def _subscribe(
    url: str, token: str, arrivals: dict[str, float]
) -> websockets.ClientConnection:
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], max_size=None)  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    await ws.recv()  # ack
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
    started = json.loads(await ws.recv())
    if started["payload"]["data"]["messagingEvents"]["__typename"] != "MessagingStarted":
        raise RuntimeError(f"unexpected first event: {started}")

    async def listen() -> None:
        async for frame in ws:
            at = time.perf_counter()
            event = json.loads(frame)["payload"]["data"]["messagingEvents"]
            body = event["message"]["body"]
            if body in arrivals:
                arrivals[body + "#dup"] = at
            arrivals[body] = at

    asyncio.get_running_loop().create_task(listen())
    return ws


async def _paced(count: int, send: Any) -> dict[str, float]:
    """Start ``send(i, key)`` ``count`` times at ``RATE`` per second (open loop): start times."""
    started: dict[str, float] = {}
    tasks = []
    origin = time.perf_counter()
    for index in range(count):
        await asyncio.sleep(max(0.0, origin + index / RATE - time.perf_counter()))
        key = f"bench-{index}-{time.time_ns()}"
        started[key] = time.perf_counter()
        tasks.append(asyncio.create_task(send(index, key)))
    await asyncio.gather(*tasks)
    return started


async def _arrived(arrivals: dict[str, float], keys: list[str], seconds: float = 60) -> None:
    deadline = time.perf_counter() + seconds
    # many listener tasks fill ``arrivals``: polling it is simpler than one event per key
    while not all(key in arrivals for key in keys) and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


def _latencies(started: dict[str, float], arrivals: dict[str, float]) -> list[float]:
    return [(arrivals[k] - t) * 1000 for k, t in started.items() if k in arrivals]


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def _ours(
    settings: Settings, tokens: list[str], people: list[tuple[str, str]], sender: str
) -> tuple[list[float], int, int, dict[str, float]]:
    port = free_port()
    arrivals: dict[str, float] = {}
    memory: dict[str, float] = {}
    answered: list[float] = []
    with api_server(settings, port) as process:
        base = f"http://127.0.0.1:{port}"
        memory["idle"] = memory_mib(process.pid, "VmRSS")
        sockets = [await _subscribe(f"ws://127.0.0.1:{port}/graphql", t, arrivals) for t in tokens]
        memory["listening"] = memory_mib(process.pid, "VmRSS")
        reset_peak(process.pid)
        async with httpx.AsyncClient(
            base_url=base, headers={"authorization": f"Bearer {sender}"}, timeout=60
        ) as http:

            async def send(index: int, key: str) -> None:
                _, conversation = people[index % len(people)]
                began = time.perf_counter()
                answer = await http.post(
                    "/graphql", json={"query": SEND, "variables": {"c": conversation, "b": key}}
                )
                if answer.json()["data"]["sendMessage"]["__typename"] != "MessageSent":
                    raise RuntimeError(answer.text)
                answered.append((time.perf_counter() - began) * 1000)

            started = await _paced(MESSAGES, send)
            await _arrived(arrivals, list(started))
        memory["peak"] = memory_mib(process.pid, "VmHWM")
        memory["answer_p50"] = statistics.median(answered)
        for ws in sockets:
            await ws.close()
    lost = sum(1 for key in started if key not in arrivals)
    duplicates = sum(1 for key in arrivals if key.endswith("#dup"))
    return _latencies(started, arrivals), lost, duplicates, memory


async def _baseline(settings: Settings) -> list[float]:
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongodb_uri.get_secret_value()
    )
    collection = client[settings.mongodb_database]["bench_change_stream"]
    arrivals: dict[str, float] = {}
    try:
        async with await collection.watch([{"$match": {"operationType": "insert"}}]) as stream:

            async def watch() -> None:
                async for change in stream:
                    arrivals[change["fullDocument"]["body"]] = time.perf_counter()

            watcher = asyncio.create_task(watch())

            async def send(index: int, key: str) -> None:
                await collection.insert_one({"body": key, "n": index})

            started = await _paced(MESSAGES, send)
            await _arrived(arrivals, list(started))
            watcher.cancel()
        await collection.drop()
    finally:
        await client.close()
    return _latencies(started, arrivals)


async def run(settings: Settings) -> Section:
    stores = open_stores(settings)
    try:
        await stores.prepare()
        people = await _population(stores)
        tokens = await _tokens(settings, stores, [(ActorKind.PATIENT, ins) for ins, _ in people])
        [sender] = await _tokens(settings, stores, [(ActorKind.PROFESSIONAL, LEFEVRE_RPPS)])
    finally:
        await stores.close()
    ours, lost, duplicates, memory = await _ours(settings, tokens, people, sender)
    raw = await _baseline(settings)
    per_subscriber = (memory["listening"] - memory["idle"]) * 1024 / len(tokens)
    return Section(
        title=f"Live messaging: {len(tokens)} websocket subscribers on one API process",
        command="make bench (or python -m bench messaging)",
        figures=[
            Figure(
                "delivery latency p50",
                statistics.median(ours),
                statistics.median(raw),
                "ms",
                "",
                False,
            ),
            Figure(
                "delivery latency p99", _percentile(ours, 99), _percentile(raw, 99), "ms", "", False
            ),
        ],
        notes=[
            f"{MESSAGES} messages at {RATE:.0f} per second, each to one of the subscribers: "
            f"{len(ours)} delivered, {lost} lost, {duplicates} duplicated.",
            f"API process memory (resident set, /proc): {memory['idle']:.1f} MiB before the "
            f"subscribers connect, {memory['listening']:.1f} MiB with all {len(tokens)} "
            f"listening ({per_subscriber:.0f} KiB each), {memory['peak']:.1f} MiB at the peak "
            "while the messages flow.",
            "Ours: from the `sendMessage` request to the subscriber's websocket (access check, "
            "transaction, traces, change stream, the hub's fan-out, the delivery trace). Baseline: "
            "`insert_one` to a raw PyMongo change stream on the same server, at the same rate. "
            f"The `sendMessage` answer alone takes {memory['answer_p50']:.1f} ms (p50): most of "
            "the latency is the send's own work (access check, transaction, traces), not the "
            "delivery. "
            "The API process, the database, S3 and these clients share the machine's CPUs.",
        ],
    )
