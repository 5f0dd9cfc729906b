"""Partial outages against the real servers, stopped, hung and started again: MongoDB stopped
while people write, S3 stopped while they read, S3 hung (slower than the timeout) during a
deposit, a client gone in the middle of a multipart deposit. Each time the service answers a
clear error fast, ``/readyz`` names the store that is down, nothing is lost or half-written, and
the same process serves again by itself once the server is back.

(Documents across the other outages: ``test_document_faults.py``; ``/readyz`` alone:
``test_health.py``.) These tests run their own embedded stack, so stopping a server disturbs no
other test.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from pymongo import MongoClient
from starlette.applications import Starlette

from api.app import create_app
from api.embedded.stack import EmbeddedStack
from resolvers.core.actors import ActorKind
from resolvers.documents.reconcile import reconcile
from tests.api.documents_support import CAMILLE, DEPOSIT, PDF, Caller, metadata, stores_of
from tests.support import FakeClock, serve_app
from tests.tokens import token_factory

CAMILLE_INS = "285034410912329"
LEFEVRE_RPPS = "10001234565"
RECORD = """mutation($p: ID!, $i: MeasurementInput!) { recordMeasurement(patientId: $p, input: $i) {
  __typename ... on MeasurementRecorded { measurement { id } } } }"""
COUNT = "query($p: ID!) { patient(id: $p) { profile { measurements { totalCount } } } }"


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def caller(app: Starlette, http: httpx.AsyncClient, kind: ActorKind, scope: str) -> Caller:
    login = CAMILLE_INS if kind is ActorKind.PATIENT else LEFEVRE_RPPS
    return Caller(http, await token_factory(app)(kind, login, scope))


def measured(at: datetime) -> dict[str, Any]:
    return {"code": "29463-7", "unit": "kg", "value": 61.5, "measuredAt": at.isoformat()}


def stored_measurements(own_stack: EmbeddedStack, at: datetime) -> int:
    uri = own_stack.settings.mongodb_uri
    assert uri is not None
    client: MongoClient[dict[str, Any]] = MongoClient(uri.get_secret_value(), tz_aware=True)
    with client:
        db = client[own_stack.settings.mongodb_database]
        return db["measurements"].count_documents({"patient_id": CAMILLE, "measured_at": at})


async def ready(http: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    response = await http.get("/readyz")
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def until_ready(http: httpx.AsyncClient, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while (await ready(http))[0] != 200:  # the driver reconnects on its own schedule
        assert time.monotonic() < deadline, "the service did not recover by itself"
        await asyncio.sleep(0.2)


async def test_mongodb_stopped_while_writing_a_clear_error_then_the_write_lands_once(
    app: Starlette, http: httpx.AsyncClient, own_stack: EmbeddedStack
) -> None:
    camille = await caller(app, http, ActorKind.PATIENT, "measurements:read measurements:write")
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    own_stack.stop_server("mongodb")
    try:
        started = time.monotonic()
        during = await http.post(
            "/graphql",
            json={"query": RECORD, "variables": {"p": CAMILLE, "i": measured(at)}},
            headers=camille.headers,
        )
        elapsed = time.monotonic() - started
        status, body = await ready(http)
        public = await http.post("/graphql", json={"query": "{ service { name } }"})
        started = time.monotonic()
        again = await http.post("/graphql", json={"query": "{ service { name } }"})
        again_elapsed = time.monotonic() - started
    finally:
        await asyncio.to_thread(own_stack.start_server, "mongodb")
    # the token could not be checked: a clear 503, quickly, with a retry hint
    assert during.status_code == 503, during.text
    assert during.headers["retry-after"]
    assert during.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "127.0.0.1" not in during.text
    assert elapsed < 10
    assert status == 503
    assert body["checks"]["mongodb"]["status"] == "down"
    assert body["checks"]["s3"] == {"status": "up"}
    # what needs no store still answers, and the rate limiter did not refuse it for want of
    # a counter
    assert public.status_code == 200
    assert public.json() == {"data": {"service": {"name": "Mon espace santé API"}}}
    assert "ratelimit-limit" not in public.headers  # uncounted
    # …and once the limiter knows MongoDB is down, it stops waiting for it for a while
    assert again.status_code == 200
    assert again_elapsed < 1.0
    await until_ready(http)
    assert stored_measurements(own_stack, at) == 0  # nothing half-written
    again = await camille.data(RECORD, {"p": CAMILLE, "i": measured(at)})
    assert again["recordMeasurement"]["__typename"] == "MeasurementRecorded"
    assert stored_measurements(own_stack, at) == 1  # the retried write, once


async def test_s3_stopped_reads_of_records_go_on_bytes_are_a_clear_503_then_they_come_back(
    app: Starlette, http: httpx.AsyncClient, own_stack: EmbeddedStack
) -> None:
    lefevre = await caller(app, http, ActorKind.PROFESSIONAL, "documents:read documents:write")
    document = await lefevre.deposited()
    path = f"/documents/{document['id']}/content"
    own_stack.stop_server("s3")
    try:
        listing = await lefevre.post(
            "query($p: ID!) { patient(id: $p) { documents { totalCount } } }", {"p": CAMILLE}
        )
        download = await http.get(path, headers=lefevre.headers)
        status, body = await ready(http)
    finally:
        await asyncio.to_thread(own_stack.start_server, "s3")
    assert not listing.get("errors"), listing  # metadata lives in MongoDB
    assert download.status_code == 503
    assert download.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert (status, body["checks"]["s3"]["status"]) == (503, "down")
    await until_ready(http)
    deadline = time.monotonic() + 20
    while (back := await http.get(path, headers=lefevre.headers)).status_code != 200:
        assert time.monotonic() < deadline, back.text  # SeaweedFS answers 500 for a moment
        await asyncio.sleep(0.3)
    assert back.content == PDF


async def test_s3_slower_than_its_timeout_fails_a_deposit_fast_and_leaves_nothing(
    app: Starlette, http: httpx.AsyncClient, own_stack: EmbeddedStack
) -> None:
    lefevre = await caller(app, http, ActorKind.PROFESSIONAL, "documents:read documents:write")
    before = (await lefevre.documents())["totalCount"]
    own_stack.pause_server("s3")  # accepts connections, never answers
    try:
        started = time.monotonic()
        response = await lefevre.send_deposit(PDF)
        elapsed = time.monotonic() - started
        status, body = await ready(http)
    finally:
        own_stack.resume_server("s3")
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert elapsed < 30  # the S3 timeout (2 s here) bounds it, not the hung server
    assert (status, body["checks"]["s3"]["reason"]) == (503, "no answer within 2s")
    await until_ready(http)
    await clean(app)
    assert (await lefevre.documents())["totalCount"] == before
    assert await no_stray_objects(app)
    again = await lefevre.deposited(title="Après la panne")
    assert again["title"] == "Après la panne"


async def test_a_client_gone_mid_multipart_deposit_leaves_nothing_behind(
    app: Starlette, own_stack: EmbeddedStack
) -> None:
    async with serve_app(create_app(own_stack.settings)) as url:
        token = await token_factory(app)(
            ActorKind.PROFESSIONAL, LEFEVRE_RPPS, "documents:read documents:write"
        )
        boundary = "fault-boundary"
        operations = orjson.dumps(
            {
                "query": DEPOSIT,
                "variables": {
                    "patientId": CAMILLE,
                    "file": None,
                    "metadata": metadata(title="Coupé"),
                },
            }
        ).decode()
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
                f"{operations}\r\n--{boundary}\r\n"
                'Content-Disposition: form-data; name="map"\r\n\r\n'
                f'{{"0": ["variables.file"]}}\r\n--{boundary}\r\nContent-Disposition: form-data; '
                f'name="0"; filename="cr.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + PDF
            + b"%"
            + b"x" * (2 * 1024 * 1024)
        )
        announced = len(body) + 1024 * 1024  # the client promises more than it sends
        address = httpx.URL(url)
        head = (
            f"POST /graphql HTTP/1.1\r\nHost: {address.host}\r\nAuthorization: Bearer {token}\r\n"
            f"GraphQL-Preflight: 1\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {announced}\r\n\r\n"
        ).encode()

        def send_and_vanish() -> None:
            assert address.port is not None
            with socket.create_connection((address.host, address.port)) as conn:
                conn.sendall(head + body)

        await asyncio.to_thread(send_and_vanish)
        await asyncio.sleep(1.5)
        async with httpx.AsyncClient(base_url=url) as client:
            lefevre = Caller(client, token)
            assert "Coupé" not in await lefevre.titles()
    await clean(app)
    assert await no_stray_objects(app)


async def clean(app: Starlette) -> None:
    later = FakeClock(datetime.now(UTC) + timedelta(days=1))
    await reconcile(stores_of(app), later, grace=timedelta(0))


async def no_stray_objects(app: Starlette) -> bool:
    """Every object in the bucket belongs to a document record."""
    stores = stores_of(app)
    keys = {o.key async for page in stores.objects.listing("objects/") for o in page}
    return keys == set(await stores.documents.existing_keys(list(keys)))
