"""Nothing shows what its reader may not see: every actor × path × state.

- the access history of the patient (the holder side and the primary physician read it): the
  events of a document held back from the patient, or hidden from representatives, are not in
  what those it is hidden from read (list and total), before its release; they are after;
- the links between versions (``replacedBy``, ``replaces``, ``versions``) never name a version
  the reader may not see (a new version held back from the patient, or withdrawn);
- ``Message.attachments`` needs ``documents:read`` besides ``messages:read``, and the policy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from tests.api.actors_support import ACTORS, World, deposit_meta, world
from tests.api.documents_support import Caller
from tests.tokens import token_factory

HISTORY = """query($p: ID!, $since: DateTime) {
  patient(id: $p) { accessHistory(first: 100, filter: {since: $since}) {
  totalCount edges { node { targetId action } } } } }"""
LINKS = "query($d: ID!) { document(id: $d) { replaces replacedBy versions { id } } }"
HOLDER_SIDE = ("patient", "representative")
HISTORY_READERS = (*HOLDER_SIDE, "primary physician")
# who reads a visible consultation note of the patient
READERS = ("patient", "representative", "app A", "app B", "primary physician", "pharmacist",
           "nurse")  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def _doc(w: World, **meta: Any) -> str:
    doc = await w["primary physician"].deposited(
        patient_id=w.patient_id, **deposit_meta(createdAt=_now(), **meta)
    )
    return str(doc["id"])


async def _history(w: World, reader: str, since: str) -> set[str] | None:
    body = await w[reader].post(HISTORY, {"p": w.patient_id, "since": since})
    history = ((body.get("data") or {}).get("patient") or {}).get("accessHistory")
    if history is None:
        return None
    targets = {edge["node"]["targetId"] for edge in history["edges"]}
    assert history["totalCount"] == len(history["edges"])  # the total counts what is shown
    return targets


async def test_the_history_leaves_out_what_its_reader_may_not_see(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    w = await world(app, http)
    since = _now()
    visible = await _doc(w)
    held = await _doc(w, hiddenFromPatient=True)
    secret = await _doc(w, hiddenFromRepresentatives=True)
    physician = w["primary physician"]
    # traced on the held-back document: a refused attachment, a URL, a read
    await physician.post(
        "mutation($i: StartConversationInput!) { startConversation(input: $i) { __typename } }",
        {"i": {"patientId": w.patient_id, "subject": "R", "body": "b", "attachmentIds": [held]}},
    )
    await w["nurse"].post("mutation($d: ID!) { issueDocumentUrl(documentId: $d) { __typename } }",
                          {"d": held})  # fmt: skip
    await w["patient"].post("query($d: ID!) { document(id: $d) { id } }", {"d": secret})
    hidden = {"patient": {held}, "representative": {held, secret}, "primary physician": set()}
    failures: list[tuple[str, str, object]] = []
    cases = 0
    for state in ("held back", "released"):
        if state == "released":
            await physician.mutate("releaseDocument", "documentId: $documentId",
                                   {"documentId": held})  # fmt: skip
            hidden = {"patient": set(), "representative": {secret}, "primary physician": set()}
        for reader in ACTORS:
            targets = await _history(w, reader, since)
            cases += 1
            if reader not in HISTORY_READERS:
                if targets is not None:
                    failures.append((state, reader, "reads the history"))
                continue
            shown = {visible, held, secret} - hidden[reader]
            if targets is None or targets & hidden[reader] or not shown <= targets:
                failures.append((state, reader, targets and targets & {visible, held, secret}))
    assert cases == 2 * len(ACTORS)
    assert not failures, failures


async def test_links_between_versions_name_only_what_the_reader_sees(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    w = await world(app, http)
    physician = w["primary physician"]
    v1 = await _doc(w)
    v2 = (
        await physician.deposited(
            patient_id=w.patient_id, replaces=v1,
            **deposit_meta(createdAt=_now(), hiddenFromPatient=True),
        )
    )["id"]  # fmt: skip
    failures, cases = [], 0
    for state in ("v2 held back", "v2 withdrawn"):
        if state == "v2 withdrawn":
            await physician.mutate("withdrawDocument", "documentId: $documentId, reason: $reason",
                                   {"documentId": v2, "reason": "Erreur"})  # fmt: skip
        for reader in ACTORS:
            sees_v2 = (
                state == "v2 held back"
                and reader in READERS
                and reader not in (*HOLDER_SIDE, "app A", "app B")
            )
            for document_id in (v1, v2):
                body = await w[reader].post(LINKS, {"d": document_id})
                doc = (body.get("data") or {}).get("document")
                cases += 1
                sees = reader in READERS and (document_id == v1 or sees_v2)
                if (doc is not None) != sees:
                    failures.append((state, reader, document_id == v1, "document", doc))
                    continue
                if doc is None:
                    continue
                expected_link = v2 if sees_v2 else None
                link = doc["replacedBy"] if document_id == v1 else doc["replaces"]
                want = expected_link if document_id == v1 else v1
                versions = {v["id"] for v in doc["versions"]}
                if link != want or versions != ({v1, v2} if sees_v2 else {v1}):
                    failures.append((state, reader, document_id == v1, link, versions))
    assert cases == 2 * 2 * len(ACTORS)
    assert not failures, failures


ATTACHMENTS = """query($c: ID!) { conversation(id: $c) { messages { edges { node {
  attachmentCount attachments { id title versions { id } } } } } } }"""


async def test_an_attachment_needs_the_documents_scope(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    w = await world(app, http)
    doc = await _doc(w)
    sent = await w["primary physician"].data(
        "mutation($i: StartConversationInput!) { startConversation(input: $i) "
        "{ ... on MessageSent { conversation { id } } } }",
        {"i": {"patientId": w.patient_id, "subject": "CR", "body": "b", "attachmentIds": [doc]}},
    )
    conversation = sent["startConversation"]["conversation"]["id"]
    make = token_factory(app)
    failures = []
    for scopes, expected in (("messages:read", []), ("messages:read documents:read", [doc])):
        for who in ("patient", "representative"):
            ins = (w.patient if who == "patient" else w.parent)["ins"]["matricule"]
            caller = Caller(http, await make(ActorKind.PATIENT, ins, scopes))
            body = await caller.data(ATTACHMENTS, {"c": conversation})
            [message] = body["conversation"]["messages"]["edges"]
            got = [a["id"] for a in message["node"]["attachments"]]
            if got != expected or message["node"]["attachmentCount"] != 1:
                failures.append((scopes, who, got))
    assert not failures, failures
