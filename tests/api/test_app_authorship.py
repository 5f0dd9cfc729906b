"""An app is itself, not "an app of this patient": author × action × every actor. What a
catalogue app wrote (a document, a pending upload, a measurement, an agenda event) is that
app's OAuth client's: a second app the same patient paired is a stranger to it, as is every
other actor but those the rule names (the holder side, where it may). Each attempt is made on a
fresh record, and its effect is read back from the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from starlette.applications import Starlette

from tests.api.actors_support import ACTORS, World, deposit_meta, world
from tests.api.agenda_support import ADD, CANCEL, CHANGE, event
from tests.api.documents_support import PDF, metadata, sha256

START = "2026-12-24T10:00:00+01:00"
HOLDER_SIDE = ("patient", "representative")
RECORD = """mutation($p: ID!, $i: MeasurementInput!) { recordMeasurement(patientId: $p, input: $i)
  { __typename ... on MeasurementRecorded { measurement { id } } } }"""
REMOVE = """mutation($p: ID!, $m: ID!) { removeMeasurement(patientId: $p, measurementId: $m)
  { __typename } }"""
UPLOAD = """mutation($p: ID!, $m: DocumentMetadataInput!, $s: Float!, $h: String!, $r: ID) {
  requestDocumentUpload(patientId: $p, metadata: $m, contentType: "application/pdf", size: $s,
                        sha256: $h, replaces: $r) {
    __typename ... on DocumentUpload { documentId apiUrl } } }"""
CONFIRM = "mutation($d: ID!) { confirmDocumentUpload(documentId: $d) { __typename } }"


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def _document(w: World, author: str) -> str:
    doc = await w[author].deposited(patient_id=w.patient_id, **deposit_meta(createdAt=_now()))
    return str(doc["id"])


async def _status(w: World, document_id: str) -> str:
    doc = await w.stores.documents.get(document_id)
    return doc["status"] if doc else "gone"


async def withdraw(w: World, author: str, actor: str) -> bool:
    doc = await _document(w, author)
    await w[actor].post(
        'mutation($d: ID!) { withdrawDocument(documentId: $d, reason: "x") { __typename } }',
        {"d": doc},
    )
    return await _status(w, doc) == "withdrawn"


async def hide_from_representatives(w: World, author: str, actor: str) -> bool:
    doc = await _document(w, author)
    await w[actor].post(
        "mutation($d: ID!) { hideDocumentFromRepresentatives(documentId: $d, hidden: true) "
        "{ __typename } }",
        {"d": doc},
    )
    found = await w.stores.documents.get(doc)
    return bool(found and found["hidden_from_representatives"])


async def replace_multipart(w: World, author: str, actor: str) -> bool:
    doc = await _document(w, author)
    await w[actor].send_deposit(
        patient_id=w.patient_id, replaces=doc, **deposit_meta(createdAt=_now())
    )
    return await _status(w, doc) == "replaced"


async def replace_by_upload(w: World, author: str, actor: str) -> bool:
    doc = await _document(w, author)
    body = await w[actor].post(
        UPLOAD,
        {"p": w.patient_id, "m": metadata(**deposit_meta(createdAt=_now())), "s": len(PDF),
         "h": sha256(PDF), "r": doc},
    )  # fmt: skip
    upload = (body.get("data") or {}).get("requestDocumentUpload") or {}
    if upload.get("__typename") != "DocumentUpload":
        return False
    path = httpx.URL(upload["apiUrl"]).path
    await w.http.put(path, content=PDF, headers=w[actor].headers)
    return await _status(w, doc) == "replaced"


async def finish_upload(w: World, author: str, actor: str) -> bool:
    """PUT to the upload route, and confirm, an upload ``author`` requested."""
    body = await w[author].data(
        UPLOAD,
        {"p": w.patient_id, "m": metadata(**deposit_meta(createdAt=_now())), "s": len(PDF),
         "h": sha256(PDF), "r": None},
    )  # fmt: skip
    upload = body["requestDocumentUpload"]
    path = httpx.URL(upload["apiUrl"]).path
    await w.http.put(path, content=PDF, headers=w[actor].headers)
    await w[actor].post(CONFIRM, {"d": upload["documentId"]})
    return await _status(w, upload["documentId"]) == "available"


async def remove_measurement(w: World, author: str, actor: str) -> bool:
    given = {"code": "29463-7", "unit": "kg", "value": 42.0, "measuredAt": _now()}
    recorded = (await w[author].data(RECORD, {"p": w.patient_id, "i": given}))["recordMeasurement"]
    measurement = recorded["measurement"]["id"]
    await w[actor].post(REMOVE, {"p": w.patient_id, "m": measurement})
    found = await w.stores.measurements.get(measurement)
    return bool(found and found["deleted_at"])


async def _event(w: World, author: str) -> str:
    added = (await w[author].data(ADD, {"p": w.patient_id, "i": event(start=START)}))[
        "addAgendaEvent"
    ]
    return str(added["event"]["id"])


async def change_event(w: World, author: str, actor: str) -> bool:
    doc = await _event(w, author)
    await w[actor].post(CHANGE, {"e": doc, "i": event(start=START, title="Changé")})
    found = await w.stores.agenda_events.get(doc)
    return bool(found and found["title"] == "Changé")


async def cancel_event(w: World, author: str, actor: str) -> bool:
    doc = await _event(w, author)
    await w[actor].post(CANCEL, {"e": doc})
    found = await w.stores.agenda_events.get(doc)
    return bool(found and found["status"] == "cancelled")


Action = Callable[[World, str, str], Awaitable[bool]]


@dataclass(frozen=True)
class Row:
    action: Action
    author: str
    allowed: tuple[str, ...]  # who may, besides the author


ROWS = [
    Row(action, author, allowed)
    for author in ("app A", "patient")
    for action, allowed in (
        (withdraw, ()),
        (hide_from_representatives, ("patient",)),
        (replace_multipart, ()),
        (replace_by_upload, ()),
        (finish_upload, ()),
        (remove_measurement, HOLDER_SIDE),
        (change_event, HOLDER_SIDE),
        (cancel_event, HOLDER_SIDE),
    )
]


async def test_what_an_app_wrote_is_its_own(app: Starlette, http: httpx.AsyncClient) -> None:
    w = await world(app, http)
    failures, cases = [], 0
    for row in ROWS:
        for actor in ACTORS:
            done = await row.action(w, row.author, actor)
            cases += 1
            if done != (actor == row.author or actor in row.allowed):
                failures.append((row.action.__name__, row.author, actor, done))
    assert cases == len(ROWS) * len(ACTORS)
    assert not failures, failures
