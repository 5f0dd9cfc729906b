"""Secure messaging rules, end to end through GraphQL: who starts, who replies, what the patient
sees of the professional, [FIN], blocking, read state, unread counts, traces."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from tests.api.documents_support import (
    BENALI,
    BENALI_RPPS,
    CAMILLE,
    LEFEVRE,
    MOREAU_RPPS,
    Caller,
)
from tests.api.messaging_support import (
    MARK_READ,
    UNREAD,
    camille,
    conversation,
    doctor,
    events_of,
    listed,
    send,
    sent,
    start,
    started,
)
from tests.tokens import seed, token_factory


@pytest.fixture
async def seeded(app: Starlette) -> Starlette:
    await seed(app)
    return app


async def test_a_professional_starts_the_patient_replies_and_each_reads(
    seeded: Starlette, http: httpx.AsyncClient
) -> None:
    make = token_factory(seeded)
    lefevre, patient = await doctor(make, http), await camille(make, http)
    first = await started(lefevre, CAMILLE, subject="Vos résultats", body="Tout est normal.")
    conversation_id = first["conversation"]["id"]
    assert first["sentMessage"]["number"] == 1
    assert first["conversation"]["correspondent"]["side"] == "PATIENT"

    inbox = await listed(patient)
    assert inbox["totalCount"] == 1
    seen = inbox["edges"][0]["node"]
    assert seen["unreadCount"] == 1
    assert seen["subject"] == "Vos résultats"
    assert seen["lastMessage"]["excerpt"] == "Tout est normal."
    # the professional's name and profession: never an address
    assert seen["correspondent"] == {
        "id": LEFEVRE,
        "side": "PROFESSIONAL",
        "name": seen["correspondent"]["name"],
        "profession": {"code": "10", "label": "Médecin"},
    }
    assert "Lef" in seen["correspondent"]["name"]
    assert "@" not in str(inbox)

    reply = await sent(patient, conversation_id, body="Merci docteur !")
    assert reply["sentMessage"]["number"] == 2
    assert reply["sentMessage"]["author"] == {
        "side": "PATIENT",
        "name": "Camille MARTIN",
        "isMe": True,
    }
    assert (await patient.data(UNREAD))["unreadMessageCount"] == 1  # the doctor's, not hers
    assert (await lefevre.data(UNREAD))["unreadMessageCount"] == 1
    # each side's own count, wherever a conversation is answered: a send, one conversation
    assert reply["conversation"]["unreadCount"] == 1
    assert (await conversation(lefevre, conversation_id))["unreadCount"] == 1

    marked = await lefevre.data(MARK_READ, {"id": conversation_id})
    assert marked["markConversationRead"]["unreadCount"] == 0
    assert (await lefevre.data(UNREAD))["unreadMessageCount"] == 0
    thread = await conversation(patient, conversation_id)
    messages = [edge["node"] for edge in thread["messages"]["edges"]]
    assert [m["number"] for m in messages] == [2, 1]  # the latest first
    assert messages[0]["readByCorrespondentAt"] is not None  # the doctor read her reply
    assert messages[1]["read"] is False
    assert messages[1]["readByCorrespondentAt"] is None
    assert [m["side"] for m in thread["readMarks"]] == ["PROFESSIONAL"]
    await patient.data(MARK_READ, {"id": conversation_id})
    assert (await patient.data(UNREAD))["unreadMessageCount"] == 0


async def test_only_a_professional_starts_a_conversation(
    seeded: Starlette, http: httpx.AsyncClient
) -> None:
    patient = await camille(token_factory(seeded), http)
    refused = await start(patient, CAMILLE)
    assert refused["code"] == "FORBIDDEN"


async def test_fin_from_the_professional_ends_the_conversation(
    seeded: Starlette, http: httpx.AsyncClient
) -> None:
    make = token_factory(seeded)
    lefevre, patient = await doctor(make, http), await camille(make, http)
    conversation_id = (await started(lefevre, CAMILLE))["conversation"]["id"]
    # the patient cannot end it; a subject that only looks like [FIN] does not end it
    refused = await send(patient, conversation_id, subject="[FIN]", body="Au revoir")
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "subject")
    not_quite = await sent(lefevre, conversation_id, subject="[fin]", body="Suite")
    assert not_quite["conversation"]["closed"] is False
    ended = await sent(lefevre, conversation_id, subject="[FIN]", body="")
    assert ended["conversation"]["closed"] is True
    assert ended["sentMessage"]["closesConversation"] is True
    for caller in (patient, lefevre):
        late = await send(caller, conversation_id, body="Encore une question")
        assert late["code"] == "CONVERSATION_CLOSED"
    thread = await conversation(patient, conversation_id)
    assert thread["messages"]["totalCount"] == 3
    assert thread["closed"] is True


async def test_a_blocked_professional_can_neither_write_nor_read(
    seeded: Starlette, http: httpx.AsyncClient
) -> None:
    make = token_factory(seeded)
    benali = await doctor(make, http, BENALI_RPPS)
    patient = await camille(make, http, "messages:read messages:write space:manage")
    conversation_id = (await started(benali, CAMILLE, subject="Rendez-vous"))["conversation"]["id"]
    await patient.data(
        "mutation($p: ID!, $pro: ID!) { setProfessionalAccess(patientId: $p, "
        "professionalId: $pro, blocked: true) { __typename } }",
        {"p": CAMILLE, "pro": BENALI},
    )
    assert (await start(benali, CAMILLE))["code"] == "NOT_FOUND"
    assert (await send(benali, conversation_id))["code"] == "NOT_FOUND"
    assert (await listed(benali))["totalCount"] == 0
    hidden = await benali.post(
        "query($id: ID!) { conversation(id: $id) { id } }", {"id": conversation_id}
    )
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # the patient keeps the conversation, and sees each attempt in her history
    assert (await listed(patient))["totalCount"] == 1
    denied = await events_of(seeded).distinct(
        "action", {"patient_id": CAMILLE, "actor.id": BENALI, "outcome": "denied"}
    )
    assert {"conversation.start", "message.send", "conversation.open"} <= set(denied)


async def test_others_reach_nothing_by_id_filter_or_count(
    seeded: Starlette, http: httpx.AsyncClient
) -> None:
    make = token_factory(seeded)
    lefevre = await doctor(make, http)
    conversation_id = (await started(lefevre, CAMILLE))["conversation"]["id"]
    moreau = await doctor(make, http, MOREAU_RPPS)
    app = Caller(http, await make(ActorKind.APP, "285034410912329", "documents:read"))
    for outsider in (moreau, app):
        by_id = await outsider.post(
            "query($id: ID!) { conversation(id: $id) { id } }", {"id": conversation_id}
        )
        assert by_id["data"]["conversation"] is None
        assert by_id["errors"][0]["extensions"]["code"] in {"NOT_FOUND", "INSUFFICIENT_SCOPE"}
    assert (await listed(moreau))["totalCount"] == 0
    assert (await send(moreau, conversation_id))["code"] == "NOT_FOUND"
    filtered = await moreau.post(
        "query($f: ConversationFilterInput) { conversations(filter: $f) { totalCount } }",
        {"f": {"patientId": CAMILLE}},
    )
    assert filtered["data"]["conversations"]["totalCount"] == 0
    count = await moreau.post(UNREAD, {"p": CAMILLE})
    assert count["data"]["unreadMessageCount"] == 0  # his own conversations with her: none
    # each attempt on her conversation is in Camille's history, as denied
    denied = await events_of(seeded).distinct(
        "action", {"patient_id": CAMILLE, "target_id": conversation_id, "outcome": "denied"}
    )
    assert {"conversation.open", "message.send"} <= set(denied)


async def test_messages_are_checked_before_anything_is_written(
    seeded: Starlette, http: httpx.AsyncClient
) -> None:
    make = token_factory(seeded)
    lefevre = await doctor(make, http)
    cases = [
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"body": "a\x00b"}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": ""}, "body"),
        ({"subject": "[FIN]"}, "subject"),
    ]
    for change, field in cases:
        refused = await start(lefevre, CAMILLE, **change)  # type: ignore[arg-type]
        assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", field), change
    assert (await listed(lefevre))["totalCount"] == 0


async def test_every_read_and_send_is_traced(seeded: Starlette, http: httpx.AsyncClient) -> None:
    make = token_factory(seeded)
    lefevre, patient = await doctor(make, http), await camille(make, http)
    conversation_id = (await started(lefevre, CAMILLE))["conversation"]["id"]
    await sent(patient, conversation_id)
    await listed(patient)
    await conversation(lefevre, conversation_id)
    await lefevre.data(MARK_READ, {"id": conversation_id})
    traced = {
        (event["actor"]["id"], event["action"])
        async for event in events_of(seeded).find({"patient_id": CAMILLE, "outcome": "allowed"})
    }
    assert {
        (LEFEVRE, "message.sent"),
        (CAMILLE, "message.sent"),
        (CAMILLE, "conversations.list"),
        (LEFEVRE, "conversation.read"),
        (LEFEVRE, "conversation.mark-read"),
    } <= traced
    assert (BENALI, "message.sent") not in traced
