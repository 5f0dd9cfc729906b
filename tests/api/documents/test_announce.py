"""Telling the patient and her primary physician of a deposit (L1111-15), through GraphQL: the
flags x the document's state x the physician's, asserting the deposit's answer, the patient's
mailbox (read as her, the attachment under her rights), the physician's outbox item delivered to
a real SMTP server, and the access history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from pymongo.database import Database
from starlette.applications import Starlette

from api.mail import SmtpSender
from api.settings import Settings
from resolvers.documents.announce import Told
from resolvers.spaces import notifications
from schema.documents.mutations import NotificationOutcome
from tests.access_support import link_to_care_team
from tests.api.documents.test_transfers import request
from tests.api.documents_support import (
    BENALI,
    BENALI_RPPS,
    CAMILLE,
    DEPOSIT,
    DOCS,
    LEFEVRE,
    PDF,
    Caller,
    add_to_care_team,
    metadata,
    patient,
    professional,
    stores_of,
)
from tests.api.messaging_support import LIST, MESSAGES, MSG
from tests.api.test_notifications import Inbox, smtp  # noqa: F401 - the SMTP server fixture
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import TokenFactory, seed, token_factory

SUBJECT = "Nouveau document dans votre profil"
# telling the patient is a secure message from the depositor: the token may write one
ANNOUNCING = f"{DOCS} messages:write"
TOLD = "notified { patient primaryPhysician }"
NOTIFY_DEPOSIT = DEPOSIT.replace("$replaces: ID)", "$replaces: ID, $notify: DepositNotifyInput)")
NOTIFY_DEPOSIT = NOTIFY_DEPOSIT.replace(
    "replaces: $replaces)", "replaces: $replaces, notify: $notify)"
).replace("... on DocumentChange {", f"... on DocumentChange {{ {TOLD}")
CONFIRM = f"""
mutation($id: ID!, $notify: DepositNotifyInput) {{
  confirmDocumentUpload(documentId: $id, notify: $notify) {{
    __typename ... on DocumentChange {{ {TOLD} document {{ id }} }}
  }}
}}
"""
HIDE = """
mutation($id: ID!) { hideDocumentFromProfessionals(documentId: $id, hidden: true) { __typename } }
"""


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


async def deposit(
    caller: Caller,
    notify: dict[str, bool] | None,
    replaces: str | None = None,
    patient_id: str = CAMILLE,
    **meta: Any,
) -> dict[str, Any]:
    """``depositDocument`` with ``notify``: the result (change or error)."""
    operations = {
        "query": NOTIFY_DEPOSIT,
        "variables": {"patientId": patient_id, "file": None, "metadata": metadata(**meta),
                      "replaces": replaces, "notify": notify},
    }  # fmt: skip
    response = await caller.http.post(
        "/graphql",
        data={
            "operations": orjson.dumps(operations).decode(),
            "map": orjson.dumps({"0": ["variables.file"]}).decode(),
        },
        files={"0": ("document", PDF, "application/pdf")},
        headers={**caller.headers, "graphql-preflight": "1"},
    )
    body = response.json()
    assert not body.get("errors"), body
    result: dict[str, Any] = body["data"]["depositDocument"]
    return result


async def confirmed(benali: Caller, notify: dict[str, bool], **meta: Any) -> dict[str, Any]:
    upload = await request(benali, PDF, m=metadata(**meta))
    async with httpx.AsyncClient() as s3:
        assert (await s3.put(upload["url"], content=PDF)).status_code == 200
    data = await benali.data(CONFIRM, {"id": upload["documentId"], "notify": notify})
    result: dict[str, Any] = data["confirmDocumentUpload"]
    return result


async def mailbox(camille: Caller) -> list[dict[str, Any]]:
    """The messages of Camille's conversations about a new document, oldest conversation first."""
    listing = await camille.data(LIST, {"first": 100})
    found = []
    for edge in reversed(listing["conversations"]["edges"]):
        if edge["node"]["subject"] == SUBJECT:
            thread = await camille.data(MESSAGES, {"id": edge["node"]["id"]})
            found += [e["node"] for e in thread["conversation"]["messages"]["edges"]]
    return found


def physician_mails(db: Database[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(db["outbox"].find({"template": "document-deposited-physician"}))


def announced(db: Database[dict[str, Any]], document_id: str) -> list[str]:
    events = db["access_events"].find({"target_id": document_id, "action": "document.announced"})
    return [event["actor"]["id"] for event in events]


def sent_by(db: Database[dict[str, Any]]) -> list[str]:
    """Who the history says sent Camille a message."""
    events = db["access_events"].find({"patient_id": CAMILLE, "action": "message.sent"})
    return [event["actor"]["id"] for event in events]


BOTH = {"patient": True, "primaryPhysician": True}
# name: (notify flags, document state, physician state, patient told, physician told)
CASES = {
    "nothing asked": (None, "visible", "with address", "NOT_ASKED", "NOT_ASKED"),
    "patient only": ({"patient": True}, "visible", "with address", "SENT", "NOT_ASKED"),
    "physician only": ({"primaryPhysician": True}, "visible", "with address", "NOT_ASKED", "SENT"),
    "both": (BOTH, "visible", "with address", "SENT", "SENT"),
    "held back": (BOTH, "held back", "with address", "HELD_BACK", "SENT"),
    "hidden from professionals": (BOTH, "hidden from professionals", "with address", "SENT",
                                  "SENT"),
    "physician without address": (BOTH, "visible", "without address", "SENT", "NO_ADDRESS"),
    "no physician": (BOTH, "visible", "none", "SENT", "NO_PRIMARY_PHYSICIAN"),
    "confirmed upload": (BOTH, "confirmed upload", "with address", "SENT", "SENT"),
}  # fmt: skip


async def _deposit_in_state(
    benali: Caller, camille: Caller, notify: dict[str, bool] | None, state: str
) -> dict[str, Any]:
    if state == "confirmed upload":
        assert notify is not None
        return await confirmed(benali, notify, title="Échographie")
    if state == "hidden from professionals":  # a new version inherits the patient's MASQUE_PS
        first = await benali.deposited(PDF, title="Échographie")
        await camille.data(HIDE, {"id": first["id"]})
        return await deposit(benali, notify, replaces=first["id"], title="Échographie")
    held = state == "held back"
    return await deposit(benali, notify, title="Échographie", hiddenFromPatient=held)


@pytest.mark.parametrize("case", CASES)
async def test_the_depositor_tells_the_patient_and_the_primary_physician(  # noqa: PLR0917
    app: Starlette,
    settings: Settings,
    make: TokenFactory,
    http: httpx.AsyncClient,
    db: Database[dict[str, Any]],
    smtp: tuple[Inbox, int],  # noqa: F811 - the fixture
    case: str,
) -> None:
    notify, state, physician, to_patient, to_physician = CASES[case]
    camille = await patient(make, http, f"{MSG} documents:read documents:write profile:write")
    await add_to_care_team(camille, BENALI)
    if physician == "without address":
        db["professionals"].update_one({"_id": LEFEVRE}, {"$set": {"email": None}})
    if physician == "none":
        db["profile_entries"].delete_many({"patient_id": CAMILLE, "data.role": "primary_physician"})
    benali = await professional(make, http, BENALI_RPPS, ANNOUNCING)

    result = await _deposit_in_state(benali, camille, notify, state)
    assert result["__typename"] == "DocumentChange", result
    assert result["notified"] == {"patient": to_patient, "primaryPhysician": to_physician}
    document_id = result["document"]["id"]

    messages = await mailbox(camille)
    if to_patient == "SENT":
        [message] = messages
        assert message["author"]["name"] == "Ahmed Benali"
        assert [a["id"] for a in message["attachments"]] == [document_id]
        assert "Échographie" in message["body"]
        assert sent_by(db) == [BENALI]
    else:
        assert messages == []
        assert sent_by(db) == []
    mails = physician_mails(db)
    if to_physician == "SENT":
        [mail] = mails
        assert (mail["email"], mail["patient_id"]) == ("lefevre@mssante.example", CAMILLE)
        assert announced(db, document_id) == [BENALI]
        await _delivered(app, settings, smtp)
    else:
        assert mails == []
        assert announced(db, document_id) == []


async def _delivered(app: Starlette, settings: Settings, server: tuple[Inbox, int]) -> None:
    """The outbox item reaches the SMTP server, naming the patient and nothing of the document."""
    inbox, port = server
    sender = SmtpSender(settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}))
    clock = FakeClock(datetime.now(UTC) + timedelta(seconds=1))
    assert await notifications.send_emails(stores_of(app), clock, sender) == 1
    [received] = inbox.messages
    assert received["To"] == "lefevre@mssante.example"
    body = received.get_content()
    assert "Camille MARTIN" in body
    for secret in ("Échographie", "11488-4", "Compte rendu"):
        assert secret not in body
        assert secret not in received["Subject"]


async def test_the_attachment_needs_the_readers_rights(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    await add_to_care_team(await patient(make, http, "profile:write"), BENALI)
    benali = await professional(make, http, BENALI_RPPS, ANNOUNCING)
    await deposit(benali, {"patient": True}, title="Échographie")
    without_documents = await patient(make, http, MSG)
    listing = await without_documents.data(LIST, {"first": 10})
    thread_id = next(
        e["node"]["id"]
        for e in listing["conversations"]["edges"]
        if e["node"]["subject"] == SUBJECT
    )
    thread = await without_documents.data(MESSAGES, {"id": thread_id})
    [edge] = thread["conversation"]["messages"]["edges"]
    # the message says a document is attached; the document needs documents:read
    assert (edge["node"]["attachmentCount"], edge["node"]["attachments"]) == (1, [])


async def test_the_depositor_who_is_the_primary_physician_is_not_mailed(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    lefevre = await professional(make, http, scope=ANNOUNCING)
    result = await deposit(lefevre, BOTH, title="Consultation")
    assert result["notified"] == {"patient": "SENT", "primaryPhysician": "DEPOSITOR"}
    assert physician_mails(db) == []


async def test_only_a_professionals_deposit_is_announced_and_nothing_is_deposited_otherwise(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    camille = await patient(make, http)
    before = db["documents"].count_documents({})
    result = await deposit(camille, {"patient": True}, title="Mon document")
    assert (result["code"], result["field"]) == ("BAD_USER_INPUT", "notify")
    assert db["documents"].count_documents({}) == before


async def test_telling_the_patient_needs_a_token_that_may_write_to_her(
    make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    """Without ``messages:write`` the deposit asking to tell her is refused, and nothing is
    stored; telling only the physician (an email of the service, not a message of the token's)
    needs no more than the deposit."""
    camille = await patient(make, http, "profile:write")
    await add_to_care_team(camille, BENALI)
    benali = await professional(make, http, BENALI_RPPS)  # documents:read documents:write
    before = db["documents"].count_documents({})
    refused = await deposit(benali, {"patient": True}, title="Consultation")
    assert (refused["code"], refused["field"]) == ("FORBIDDEN", "notify.patient")
    assert "messages:write" in refused["message"]
    assert db["documents"].count_documents({}) == before
    assert db["conversations"].count_documents({}) == 0
    told = await deposit(benali, {"primaryPhysician": True}, title="Consultation")
    assert told["notified"]["patient"] == "NOT_ASKED"


def test_the_graphql_outcomes_are_the_use_cases() -> None:
    assert {o.value for o in NotificationOutcome} == {t.value for t in Told}


async def test_a_space_not_yet_activated_gets_the_message_waiting_in_its_mailbox(
    app: Starlette, make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    stores, now = stores_of(app), datetime.now(UTC)
    opened = await make_patient(stores, FakeClock(now), 7, "open")
    await link_to_care_team(stores, now, opened["_id"], BENALI)
    await link_to_care_team(stores, now, opened["_id"], LEFEVRE, "primary_physician")
    benali = await professional(make, http, BENALI_RPPS, ANNOUNCING)
    result = await deposit(benali, BOTH, patient_id=opened["_id"], title="Échographie")
    assert result["notified"] == {"patient": "SENT", "primaryPhysician": "SENT"}
    [message] = db["messages"].find({"patient_id": opened["_id"]})
    assert message["attachments"] == [result["document"]["id"]]
    [mail] = physician_mails(db)
    assert mail["patient_id"] == opened["_id"]
