"""The mailbox: newest first with cursors, search by correspondent, archive, attachments as
documents of the record, and a legal representative replying for a minor."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from tests.api.documents_support import (
    BENALI,
    BENALI_RPPS,
    CAMILLE,
    DOCS,
    LEFEVRE,
    Caller,
    add_to_care_team,
)
from tests.api.messaging_support import (
    ARCHIVE,
    LIST,
    MSG,
    camille,
    conversation,
    doctor,
    listed,
    send,
    sent,
    start,
    started,
    subjects,
)
from tests.oauth_support import PATIENT_INS
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import seed, token_factory


@pytest.fixture
async def seeded(app: Starlette) -> Starlette:
    await seed(app)
    return app


async def test_the_mailbox_pages_newest_first_and_searches_by_correspondent(
    seeded: Starlette, http: httpx.AsyncClient
) -> None:
    make = token_factory(seeded)
    lefevre, benali = await doctor(make, http), await doctor(make, http, BENALI_RPPS)
    patient = await camille(make, http)
    oldest = (await started(lefevre, CAMILLE, subject="Un"))["conversation"]["id"]
    await started(benali, CAMILLE, subject="Deux")
    await started(lefevre, CAMILLE, subject="Trois")
    assert await subjects(patient) == ["Trois", "Deux", "Un"]
    # a reply moves its conversation to the top
    await sent(patient, oldest, body="Une question")
    pages, after = [], None
    while True:
        data = await patient.data(LIST, {"first": 2, "after": after})
        page = data["conversations"]
        assert page["totalCount"] == 3
        pages.append([edge["node"]["subject"] for edge in page["edges"]])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [["Un", "Trois"], ["Deux"]]
    # by the start of a word of the name, accents and case ignored
    benali_name = (await listed(patient, correspondent="ben"))["edges"][0]["node"]
    assert benali_name["correspondent"]["id"] == BENALI
    assert await subjects(patient, correspondent="LEFÈ") == ["Un", "Trois"]
    assert await subjects(patient, correspondent="zzz") == []
    assert await subjects(lefevre, correspondent="camil") == ["Un", "Trois"]
    refused = await patient.post(LIST, {"filter": {"correspondent": "--"}})
    assert refused["errors"][0]["extensions"]["field"] == "correspondent"


async def test_the_patient_archives_and_a_new_message_brings_it_back(
    seeded: Starlette, http: httpx.AsyncClient
) -> None:
    make = token_factory(seeded)
    lefevre, patient = await doctor(make, http), await camille(make, http)
    conversation_id = (await started(lefevre, CAMILLE, subject="Vaccin"))["conversation"]["id"]
    archived = await patient.data(ARCHIVE, {"id": conversation_id, "archived": True})
    assert archived["archiveConversation"]["archived"] is True
    assert await subjects(patient) == []
    assert await subjects(patient, archived=True) == ["Vaccin"]
    # the professional's list has no archive
    assert await subjects(lefevre) == ["Vaccin"]
    refused = await lefevre.data(ARCHIVE, {"id": conversation_id, "archived": True})
    assert refused["archiveConversation"]["code"] == "FORBIDDEN"
    await sent(lefevre, conversation_id, body="Rappel : le vaccin est à faire.")
    assert await subjects(patient) == ["Vaccin"]


async def test_attachments_are_documents_of_the_record_seen_under_the_access_policy(
    seeded: Starlette, http: httpx.AsyncClient
) -> None:
    make = token_factory(seeded)
    lefevre, patient = await doctor(make, http), await camille(make, http)
    report = await lefevre.deposited(title="Compte rendu")
    held_back = await lefevre.deposited(title="Annonce", hiddenFromPatient=True)
    result = await started(lefevre, CAMILLE, attachments=[report["id"]])
    conversation_id = result["conversation"]["id"]
    assert [d["title"] for d in result["sentMessage"]["attachments"]] == ["Compte rendu"]
    thread = await conversation(patient, conversation_id)
    message = thread["messages"]["edges"][0]["node"]
    assert [d["title"] for d in message["attachments"]] == ["Compte rendu"]
    # what the patient may not see yet cannot be sent to her
    refused = await send(lefevre, conversation_id, attachments=[held_back["id"]])
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "attachmentIds")
    # a document the sender may not read is unknown to them (Benali is outside the care team)
    benali = await doctor(make, http, BENALI_RPPS)
    conv_b = (await started(benali, CAMILLE))["conversation"]["id"]
    unknown = await send(benali, conv_b, attachments=[report["id"]])
    assert unknown["code"] == "NOT_FOUND"
    # the patient's attachment stays out of his sight, though he knows one was sent...
    mine = await patient.deposited(title="Ma prise de sang")
    await sent(patient, conv_b, attachments=[mine["id"]])
    seen = (await conversation(benali, conv_b))["messages"]["edges"][0]["node"]
    assert (seen["attachmentCount"], seen["attachments"]) == (1, [])
    # ...until she adds him to her care team
    manager = Caller(http, await make(ActorKind.PATIENT, PATIENT_INS, f"{DOCS} profile:write"))
    await add_to_care_team(manager, BENALI)
    seen = (await conversation(benali, conv_b))["messages"]["edges"][0]["node"]
    assert [d["title"] for d in seen["attachments"]] == ["Ma prise de sang"]


async def test_a_legal_representative_replies_for_a_minor(
    seeded: Starlette, http: httpx.AsyncClient
) -> None:
    make = token_factory(seeded)
    clock = FakeClock(datetime.now(UTC))
    stores = seeded.state.services.running.stores
    parent = await make_patient(stores, clock, 1, "active")
    child = await make_patient(stores, clock, 2, "active", born=date(2014, 5, 1))
    admin = Caller(http, await make(ActorKind.OPERATOR, None, "admin"))
    await admin.data(
        "mutation($id: ID!, $ins: String!) { addRepresentative(patientId: $id, "
        'representativeIns: $ins, relation: "parent") { __typename } }',
        {"id": child["_id"], "ins": parent["ins"]["matricule"]},
    )
    lefevre = await doctor(make, http)
    result = await started(lefevre, child["_id"], subject="Vaccin de Léa")
    conversation_id = result["conversation"]["id"]
    mother = Caller(
        http, await make(ActorKind.PATIENT, parent["ins"]["matricule"], f"{MSG} {DOCS}")
    )
    assert await subjects(mother) == []  # her own mailbox
    assert await subjects(mother, patientId=child["_id"]) == ["Vaccin de Léa"]
    reply = await sent(mother, conversation_id, body="Nous viendrons mardi.")
    assert reply["sentMessage"]["author"]["side"] == "PATIENT"
    minor = Caller(
        http,
        await make(ActorKind.PATIENT, child["ins"]["matricule"], f"{MSG} {DOCS} profile:write"),
    )
    thread = await conversation(minor, conversation_id)
    assert thread["messages"]["totalCount"] == 2
    assert thread["messages"]["edges"][0]["node"]["read"] is False  # her mother wrote it
    # an attachment hidden from representatives: the minor reads it, her mother only its count
    await minor.data(
        "mutation($p: ID!, $e: ProfileEntryInput!) { addProfileEntry(patientId: $p, entry: $e) "
        "{ __typename } }",
        {"p": child["_id"], "e": {"careTeam": {"professionalId": LEFEVRE, "role": "FOLLOWS"}}},
    )
    secret = await lefevre.deposited(
        patient_id=child["_id"], title="Consultation confidentielle", hiddenFromRepresentatives=True
    )
    await sent(lefevre, conversation_id, body="Voir le compte rendu", attachments=[secret["id"]])
    for reader, titles in ((minor, ["Consultation confidentielle"]), (mother, [])):
        latest = (await conversation(reader, conversation_id))["messages"]["edges"][0]["node"]
        assert latest["attachmentCount"] == 1
        assert [d["title"] for d in latest["attachments"]] == titles
    # another patient: nothing
    stranger = await camille(make, http)
    refused = await send(stranger, conversation_id)
    assert refused["code"] == "NOT_FOUND"
    assert (await start(lefevre, child["_id"], subject="[FIN]"))["code"] == "BAD_USER_INPUT"
