"""Bytes in and out: requested uploads (straight to S3, or through the API's route) confirmed
only when size, SHA-256 and format hold; downloads by presigned URL or streamed by the API,
each traced; and ``reconcile`` repairing what failures leave behind."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo.database import Database
from starlette.applications import Starlette

from resolvers.documents.reconcile import reconcile
from tests.api.documents_support import (
    CAMILLE,
    MOREAU_RPPS,
    PDF,
    Caller,
    metadata,
    patient,
    professional,
    sha256,
    stores_of,
)
from tests.support import FakeClock
from tests.tokens import TokenFactory, seed, token_factory

REQUEST = """
mutation($p: ID!, $m: DocumentMetadataInput!, $t: String!, $s: Float!, $h: String!) {
  requestDocumentUpload(patientId: $p, metadata: $m, contentType: $t, size: $s, sha256: $h) {
    __typename
    ... on DocumentUpload { documentId url apiUrl expiresAt }
    ... on DocumentError { code field message }
  }
}
"""
CONFIRM = """
mutation($id: ID!) { confirmDocumentUpload(documentId: $id) {
  __typename
  ... on DocumentChange { document { id sha256 size format status } }
  ... on DocumentError { code field message }
} }
"""
URL = """
mutation($id: ID!) { issueDocumentUrl(documentId: $id) {
  __typename ... on DocumentUrl { url expiresAt } ... on DocumentError { code }
} }
"""


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


async def request(caller: Caller, data: bytes, **overrides: Any) -> dict[str, Any]:
    variables = {
        "p": CAMILLE,
        "m": metadata(title="Grand examen"),
        "t": "application/pdf",
        "s": len(data),
        "h": sha256(data),
        **overrides,
    }
    result: dict[str, Any] = (await caller.data(REQUEST, variables))["requestDocumentUpload"]
    return result


async def confirm(caller: Caller, document_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await caller.data(CONFIRM, {"id": document_id}))[
        "confirmDocumentUpload"
    ]
    return result


async def test_a_requested_upload_put_to_s3_becomes_a_document_once_confirmed(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    lefevre, camille = await professional(make, http), await patient(make, http)
    upload = await request(lefevre, PDF)
    assert upload["__typename"] == "DocumentUpload"
    assert "Grand examen" not in await camille.titles()  # nothing before confirm
    async with httpx.AsyncClient() as s3:
        assert (await s3.put(upload["url"], content=PDF)).status_code == 200
    done = await confirm(lefevre, upload["documentId"])
    assert done["document"] == {
        "id": upload["documentId"],
        "sha256": sha256(PDF),
        "size": len(PDF),
        "format": "application/pdf",
        "status": "CURRENT",
    }
    assert "Grand examen" in await camille.titles()
    again = await confirm(lefevre, upload["documentId"])
    assert (again["code"], again["field"]) == ("NOT_FOUND", "documentId")


async def test_wrong_bytes_are_refused_and_removed(
    make: TokenFactory, http: httpx.AsyncClient, app: Starlette, db: Database[dict[str, Any]]
) -> None:
    lefevre = await professional(make, http)
    upload = await request(lefevre, PDF)
    nothing = await confirm(lefevre, upload["documentId"])
    assert (nothing["code"], nothing["field"]) == ("BAD_USER_INPUT", "documentId")
    tampered = PDF.replace(b"normal", b"NORMAL")
    async with httpx.AsyncClient() as s3:
        await s3.put(upload["url"], content=tampered)
    refused = await confirm(lefevre, upload["documentId"])
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "sha256")
    record = db["documents"].find_one({"_id": upload["documentId"]})
    assert record is not None
    assert record["status"] == "pending"  # never shown; expires, or the right bytes come
    assert await stores_of(app).objects.stat(record["object_key"]) is None
    async with httpx.AsyncClient() as s3:
        await s3.put(upload["url"], content=PDF + b"extra")
    too_long = await confirm(lefevre, upload["documentId"])
    assert (too_long["code"], too_long["field"]) == ("BAD_USER_INPUT", "size")


async def test_an_announced_upload_is_checked_before_anything_is_recorded(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    lefevre = await professional(make, http)
    assert (await request(lefevre, PDF, s=0))["field"] == "size"
    assert (await request(lefevre, PDF, s=10**12))["field"] == "size"
    assert (await request(lefevre, PDF, h="nothex"))["field"] == "sha256"
    assert (await request(lefevre, PDF, t="video/mp4"))["field"] == "contentType"


async def test_the_api_upload_route_streams_checks_and_confirms(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    lefevre, camille = await professional(make, http), await patient(make, http)
    upload = await request(lefevre, PDF)
    path = httpx.URL(upload["apiUrl"]).path
    wrong = await http.put(path, content=b"%PDF-1.4 other bytes", headers=lefevre.headers)
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["extensions"]["field"] in ("size", "sha256")
    anonymous = await http.put(path, content=PDF)
    assert anonymous.status_code == 401
    someone_else = await http.put(path, content=PDF, headers=camille.headers)
    assert someone_else.status_code == 404
    done = await http.put(path, content=PDF, headers=lefevre.headers)
    assert done.status_code == 201
    assert done.json()["sha256"] == sha256(PDF)
    assert "Grand examen" in await camille.titles()


async def test_bytes_come_by_presigned_url_or_through_the_api_and_each_access_is_traced(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    lefevre, camille = await professional(make, http), await patient(make, http)
    doc = await lefevre.deposited(title="À télécharger")
    issued = (await camille.data(URL, {"id": doc["id"]}))["issueDocumentUrl"]
    async with httpx.AsyncClient() as s3:
        fetched = await s3.get(issued["url"])
    assert fetched.content == PDF
    streamed = await http.get(doc["contentPath"], headers=camille.headers)
    assert streamed.status_code == 200
    assert streamed.content == PDF
    assert streamed.headers["content-type"] == "application/pdf"
    digest = base64.b64encode(bytes.fromhex(sha256(PDF))).decode()
    assert streamed.headers["repr-digest"] == f"sha-256=:{digest}:"
    events = list(db["access_events"].find({"target_id": doc["id"]}).sort("at", 1))
    assert [(e["action"], e["actor"]["kind"]) for e in events] == [
        ("document.deposited", "professional"),
        ("document.url_issued", "patient"),
        ("document.downloaded", "patient"),
    ]
    assert all(e["patient_id"] == CAMILLE for e in events)


async def test_bytes_are_refused_to_whoever_may_not_see_the_document(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    lefevre = await professional(make, http)
    doc = await lefevre.deposited(title="Privé")
    moreau = await professional(make, http, MOREAU_RPPS)
    assert (await moreau.data(URL, {"id": doc["id"]}))["issueDocumentUrl"]["code"] == "NOT_FOUND"
    denied = await http.get(doc["contentPath"], headers=moreau.headers)
    assert denied.status_code == 404
    assert (await http.get(doc["contentPath"])).status_code == 401
    no_scope = await professional(make, http, scope="documents:write")
    assert (await http.get(doc["contentPath"], headers=no_scope.headers)).status_code == 403
    unknown = await http.get("/documents/000000000000000000000000/content", headers=lefevre.headers)
    assert unknown.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # the deposit, then Moreau's two attempts, refused and traced as such
    events = db["access_events"].find({"target_id": doc["id"]}).sort("at", 1)
    assert [(e["action"], e["actor"]["kind"], e["outcome"]) for e in events] == [
        ("document.deposited", "professional", "allowed"),
        ("document.url_issued", "professional", "denied"),
        ("document.downloaded", "professional", "denied"),
    ]


async def test_reconcile_removes_abandoned_uploads_and_stray_objects_and_nothing_else(
    make: TokenFactory, http: httpx.AsyncClient, app: Starlette, db: Database[dict[str, Any]]
) -> None:
    lefevre = await professional(make, http)
    kept = await lefevre.deposited(title="Gardé")
    abandoned = await request(lefevre, PDF)
    async with httpx.AsyncClient() as s3:
        await s3.put(abandoned["url"], content=PDF)
    stores = stores_of(app)
    await stores.objects.put_bytes("objects/" + "ab" * 16, b"orphan", content_type="text/plain")
    later = FakeClock(datetime.now(UTC) + timedelta(hours=3))
    report = await reconcile(stores, later, grace=timedelta(minutes=0))
    assert (report.abandoned_uploads, report.stray_objects) == (1, 1)
    assert db["documents"].count_documents({"_id": abandoned["documentId"]}) == 0
    assert await stores.objects.stat("objects/" + "ab" * 16) is None
    record = db["documents"].find_one({"_id": kept["id"]})
    assert record is not None
    assert await stores.objects.stat(record["object_key"]) is not None
    again = await reconcile(stores, later, grace=timedelta(minutes=0))
    assert (again.abandoned_uploads, again.stray_objects) == (0, 0)
