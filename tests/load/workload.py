"""The sustained-load workload: concurrent clients mixing reads and writes against a real
``espace-sante serve`` on loopback, and the count that proves every acknowledged write is stored
exactly once.

Each client is one patient of its own (created for the run) and Dr Lefèvre writing to them.
In a closed loop until the deadline, it records measurements, adds allergies, sends messages
both ways, and reads its profile, measurements, conversations and messages. Every write carries
a marker unique to the run (an allergy's substance, a message's body, a measurement's instant):
the client keeps the markers the service acknowledged, and those it sent without a clear answer.
Afterwards MongoDB is read directly: each acknowledged marker must be there exactly once, no
marker twice, and nothing else may have gone wrong (no 5xx, no internal or unavailable error,
no timeout, no refusal).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pymongo import MongoClient

from api.settings import Settings
from resolvers.demo.seed import stable_id

LEFEVRE = stable_id("professional:lefevre")
RECORD = """mutation($p: ID!, $i: MeasurementInput!) { recordMeasurement(patientId: $p, input: $i) {
  __typename ... on MeasurementRecorded { measurement { id } } ... on ProfileError { code message }
} }"""
ADD = """mutation($p: ID!, $e: ProfileEntryInput!) { addProfileEntry(patientId: $p, entry: $e) {
  __typename ... on ProfileEntryChange { entry { id } } ... on ProfileError { code message } } }"""
START = """mutation($i: StartConversationInput!) { startConversation(input: $i) { __typename
  ... on MessageSent { conversation { id } } ... on MessagingError { code message } } }"""
SEND = """mutation($i: SendMessageInput!) { sendMessage(input: $i) {
  __typename ... on MessageSent { sentMessage { id } } ... on MessagingError { code message } } }"""
READS = {
    "profile": "query($p: ID!) { patient(id: $p) { profile { allergies { id substance } } } }",
    "measurements": """query($p: ID!) { patient(id: $p) { profile { measurements(first: 20) {
      totalCount edges { node { id value measuredAt } } } } } }""",
    "conversations": """{ conversations(first: 20) {
      totalCount edges { node { id unreadCount } } } }""",
    "messages": """query($c: ID!) { conversation(id: $c) { messages(first: 20) {
      totalCount edges { node { id body } } } } }""",
}
# (operation, weight): about 40 % writes
MIX = (
    ("measurement", 15),
    ("allergy", 12),
    ("message", 8),
    ("reply", 5),
    ("profile", 15),
    ("measurements", 15),
    ("conversations", 15),
    ("messages", 15),
)
PATIENT_SCOPES = (
    "profile:write profile.allergies:read profile.care-team:read measurements:read "
    "measurements:write messages:read messages:write"
)
PROFESSIONAL_SCOPES = "messages:read messages:write"


@dataclass
class Persona:
    patient_id: str
    patient_token: str
    professional_token: str
    conversation_id: str = ""


@dataclass
class Ledger:
    """What the clients saw: acknowledged and unanswered writes, statuses, problems."""

    run: str
    acked: dict[str, list[str]] = field(default_factory=lambda: {"m": [], "a": [], "msg": []})
    unanswered: dict[str, list[str]] = field(default_factory=lambda: {"m": [], "a": [], "msg": []})
    statuses: Counter[int] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


class Client:
    """One virtual client: its persona, its HTTP connection pool, its share of the ledger."""

    def __init__(self, index: int, persona: Persona, http: httpx.AsyncClient, ledger: Ledger):
        self.index = index
        self.persona = persona
        self.http = http
        self.ledger = ledger
        self.seq = 0
        self.random = random.Random(index)
        # measurement instants: one second apart per client, a day ago and earlier
        self.origin = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)

    async def call(self, token: str, query: str, variables: dict[str, Any]) -> Any:
        """The ``data`` of an answer, or ``None`` after noting what went wrong."""
        started = time.perf_counter()
        try:
            response = await self.http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as error:
            self.ledger.problems.append(f"client {self.index}: {type(error).__name__}")
            return None
        self.ledger.latencies.append(time.perf_counter() - started)
        self.ledger.statuses[response.status_code] += 1
        body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
        if response.status_code != 200 or body.get("errors"):
            self.ledger.problems.append(f"{response.status_code}: {str(body)[:300]}")
            return None
        return body["data"]

    async def setup(self) -> None:
        """The patient lists Dr Lefèvre in the care team; he starts a conversation with them."""
        persona = self.persona
        entry = {"careTeam": {"professionalId": LEFEVRE, "role": "FOLLOWS"}}
        await self.call(persona.patient_token, ADD, {"p": persona.patient_id, "e": entry})
        started = await self.call(
            persona.professional_token,
            START,
            {"i": {"patientId": persona.patient_id, "subject": "Suivi", "body": self.marker()}},
        )
        result = (started or {}).get("startConversation") or {}
        if result.get("__typename") != "MessageSent":
            raise RuntimeError(f"client {self.index} could not start a conversation: {result}")
        persona.conversation_id = result["conversation"]["id"]
        self.ledger.acked["msg"].append(self.last)

    def marker(self) -> str:
        self.seq += 1
        self.last = f"{self.ledger.run}-{self.index}-{self.seq}"
        return self.last

    async def write(self, kind: str, token: str, query: str, variables: dict[str, Any]) -> None:
        data = await self.call(token, query, variables)
        if data is None:
            self.ledger.unanswered[kind].append(self.last)
            return
        result = next(iter(data.values()))
        if result["__typename"] in {"ProfileError", "MessagingError"}:
            self.ledger.problems.append(f"refused: {result}")
            return
        self.ledger.acked[kind].append(self.last)

    async def step(self, operation: str) -> None:
        persona = self.persona
        patient = persona.patient_token
        self.ledger.operations[operation] += 1
        if operation == "measurement":
            self.marker()
            at = self.origin - timedelta(seconds=self.index * 1_000_000 + self.seq)
            self.last = at.isoformat()
            measurement = {"code": "29463-7", "unit": "kg", "value": 70.5, "measuredAt": self.last}
            await self.write("m", patient, RECORD, {"p": persona.patient_id, "i": measurement})
        elif operation == "allergy":
            entry = {"allergy": {"substance": self.marker()}}
            await self.write("a", patient, ADD, {"p": persona.patient_id, "e": entry})
        elif operation in {"message", "reply"}:
            token = persona.professional_token if operation == "message" else patient
            sent = {"conversationId": persona.conversation_id, "body": self.marker()}
            await self.write("msg", token, SEND, {"i": sent})
        else:
            variables = {"p": persona.patient_id, "c": persona.conversation_id}
            used = {k: v for k, v in variables.items() if f"${k}" in READS[operation]}
            await self.call(patient, READS[operation], used)

    async def loop(self, deadline: float) -> None:
        operations = [name for name, _ in MIX]
        weights = [weight for _, weight in MIX]
        while time.monotonic() < deadline:
            await self.step(self.random.choices(operations, weights)[0])


async def run(url: str, personas: list[Persona], seconds: float, run_id: str) -> Ledger:
    """Every persona's client in parallel for ``seconds``, after its setup."""
    ledger = Ledger(run_id)
    limits = httpx.Limits(max_connections=len(personas) * 2)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        clients = [Client(i, p, http, ledger) for i, p in enumerate(personas)]
        await asyncio.gather(*(client.setup() for client in clients))
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(client.loop(deadline) for client in clients))
    return ledger


def count_stored(settings: Settings, patient_ids: list[str]) -> dict[str, Counter[str]]:
    """How many times each marker is stored, read straight from MongoDB."""
    assert settings.mongodb_uri is not None
    client: MongoClient[dict[str, Any]] = MongoClient(
        settings.mongodb_uri.get_secret_value(), tz_aware=True
    )
    with client:
        db = client[settings.mongodb_database]
        mine = {"patient_id": {"$in": patient_ids}}
        measurements = db["measurements"].find({**mine, "deleted_at": None}, {"measured_at": 1})
        allergies = db["profile_entries"].find(
            {**mine, "section": "allergies", "deleted_at": None}, {"data.substance": 1}
        )
        messages = db["messages"].find(mine, {"body": 1})
        return {
            "m": Counter(doc["measured_at"].astimezone(UTC).isoformat() for doc in measurements),
            "a": Counter(doc["data"]["substance"] for doc in allergies),
            "msg": Counter(doc["body"] for doc in messages),
        }


def verify(ledger: Ledger, stored: dict[str, Counter[str]]) -> list[str]:
    """Every way the run fell short: problems seen by clients, acknowledged writes missing or
    stored twice, any marker stored more than once."""
    failures = list(ledger.problems[:20])
    if len(ledger.problems) > 20:
        failures.append(f"… and {len(ledger.problems) - 20} more problems")
    for kind, counts in stored.items():
        missing = [m for m in ledger.acked[kind] if counts[m] == 0]
        twice = [m for m, n in counts.items() if n > 1]
        if missing:
            failures.append(f"{kind}: {len(missing)} acknowledged writes missing: {missing[:5]}")
        if twice:
            failures.append(f"{kind}: {len(twice)} writes stored more than once: {twice[:5]}")
    return failures
