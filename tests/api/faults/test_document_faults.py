"""Documents across outages, against real servers stopped and started again: S3 down during a
deposit, MongoDB down at confirm, a client gone mid-upload. Each time: a clear error, no
visible record without its bytes, no bytes left without a record once ``reconcile`` ran.

These tests run their own embedded stack, so stopping a server disturbs no other test.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from pymongo import MongoClient
from starlette.applications import Starlette

from api.app import create_app
from api.embedded.stack import EmbeddedStack
from resolvers.documents.reconcile import reconcile
from tests.api.documents_support import (
    CAMILLE,
    DEPOSIT,
    PDF,
    Caller,
    metadata,
    professional,
    sha256,
    stores_of,
)
from tests.support import FakeClock, serve_app
from tests.tokens import token_factory

REQUEST = """
mutation($p: ID!, $m: DocumentMetadataInput!, $s: Float!, $h: String!) {
  requestDocumentUpload(patientId: $p, metadata: $m, contentType: "application/pdf", size: $s,
                        sha256: $h) { ... on DocumentUpload { documentId url apiUrl } }
}
"""
CONFIRM = """
mutation($id: ID!) { confirmDocumentUpload(documentId: $id) {
  __typename ... on DocumentChange { document { id sha256 } } ... on DocumentError { code }
} }
"""


@pytest.fixture
async def lefevre(app: Starlette) -> AsyncIterator[Caller]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield await professional(token_factory(app), http)


def pending(own_stack: EmbeddedStack) -> list[dict[str, object]]:
    uri = own_stack.settings.mongodb_uri
    assert uri is not None
    client: MongoClient[dict[str, object]] = MongoClient(uri.get_secret_value())
    with client:
        db = client[own_stack.settings.mongodb_database]
        return list(db["documents"].find({"status": "pending"}))


async def clean(app: Starlette) -> None:
    later = FakeClock(datetime.now(UTC) + timedelta(days=1))
    await reconcile(stores_of(app), later, grace=timedelta(0))


async def test_s3_down_during_a_deposit_is_a_clear_error_and_leaves_nothing_behind(
    app: Starlette, lefevre: Caller, own_stack: EmbeddedStack
) -> None:
    await clean(app)
    before = (await lefevre.documents())["totalCount"]
    own_stack.stop_server("s3")
    try:
        response = await lefevre.http.post(
            "/graphql",
            data={
                "operations": orjson.dumps(
                    {
                        "query": DEPOSIT,
                        "variables": {"patientId": CAMILLE, "file": None, "metadata": metadata()},
                    }
                ).decode(),
                "map": '{"0": ["variables.file"]}',
            },
            files={"0": ("cr.pdf", PDF, "application/pdf")},
            headers={**lefevre.headers, "graphql-preflight": "1"},
        )
        body = response.json()
    finally:
        await asyncio.to_thread(own_stack.start_server, "s3")
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "127.0.0.1" not in str(body)
    assert (await lefevre.documents())["totalCount"] == before  # nothing visible
    await clean(app)
    assert pending(own_stack) == []
    leftovers = [o async for page in stores_of(app).objects.listing("objects/") for o in page]
    keys = {o.key for o in leftovers}
    known = await stores_of(app).documents.existing_keys(list(keys))
    assert keys == known  # no bytes without a record


async def test_mongodb_down_at_confirm_loses_nothing_and_confirm_works_once_it_is_back(
    app: Starlette, lefevre: Caller, own_stack: EmbeddedStack
) -> None:
    upload = (
        await lefevre.data(
            REQUEST,
            {"p": CAMILLE, "m": metadata(title="Confirmé"), "s": len(PDF), "h": sha256(PDF)},
        )
    )["requestDocumentUpload"]
    async with httpx.AsyncClient() as s3:
        assert (await s3.put(upload["url"], content=PDF)).status_code == 200
    own_stack.stop_server("mongodb")
    try:
        during = await lefevre.http.post(
            "/graphql",
            json={"query": CONFIRM, "variables": {"id": upload["documentId"]}},
            headers=lefevre.headers,
        )
    finally:
        await asyncio.to_thread(own_stack.start_server, "mongodb")
    assert during.status_code in (200, 503)
    assert "SERVICE_UNAVAILABLE" in during.text
    deadline = time.monotonic() + 20
    while True:  # the driver reconnects on its own schedule
        answer = await lefevre.post(CONFIRM, {"id": upload["documentId"]})
        if not answer.get("errors"):
            break
        assert time.monotonic() < deadline, answer
        await asyncio.sleep(0.3)
    confirmed = answer["data"]["confirmDocumentUpload"]
    assert confirmed["document"]["sha256"] == sha256(PDF)
    assert "Confirmé" in await lefevre.titles()


async def test_a_client_gone_mid_upload_leaves_an_upload_that_can_be_finished_or_reconciled(
    app: Starlette, lefevre: Caller, own_stack: EmbeddedStack
) -> None:
    big = PDF + b"%" + b"x" * (3 * 1024 * 1024)
    upload = (
        await lefevre.data(
            REQUEST, {"p": CAMILLE, "m": metadata(title="Coupé"), "s": len(big), "h": sha256(big)}
        )
    )["requestDocumentUpload"]
    async with serve_app(create_app(own_stack.settings)) as url:
        address = httpx.URL(url)
        path = httpx.URL(upload["apiUrl"]).path
        head = (
            f"PUT {path} HTTP/1.1\r\nHost: {address.host}\r\n"
            f"Authorization: {lefevre.headers['authorization']}\r\n"
            f"Content-Length: {len(big)}\r\nContent-Type: application/pdf\r\n\r\n"
        ).encode()

        def send_half() -> None:
            with socket.create_connection((address.host, address.port)) as conn:
                conn.sendall(head + big[: len(big) // 2])
            # closed without the rest

        await asyncio.to_thread(send_half)
        await asyncio.sleep(1.0)
        record = next(p for p in pending(own_stack) if p["_id"] == upload["documentId"])
        key = record["object_key"]
        assert isinstance(key, str)
        assert await stores_of(app).objects.stat(key) is None  # the partial upload was aborted
        assert "Coupé" not in await lefevre.titles()
        async with httpx.AsyncClient(base_url=url) as client:
            finished = await client.put(path, content=big, headers=lefevre.headers)
        assert finished.status_code == 201, finished.text
    assert "Coupé" in await lefevre.titles()
