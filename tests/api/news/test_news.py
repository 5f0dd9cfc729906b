"""A patient hears, by email, that something new is in her space: every kind of news x her
choice (on / off after the event / no email address), against a real SMTP server, through
GraphQL; and the email carries no health data."""

from __future__ import annotations

import pytest

from tests.api.documents_support import CAMILLE, LEFEVRE, metadata
from tests.api.news_support import (
    BASE_URL,
    BODY,
    CAUSES,
    READ,
    REASON,
    SUBJECT,
    TITLE,
    WINDOW,
    Cast,
)

TYPE_CODE = metadata()["typeCode"]
TYPE_NAME = "CR ou fiche de consultation ou de visite"  # 11488-4 in JDV_J07
SAYS = {
    "DOCUMENT": "1 nouveau document",
    "MESSAGE": "1 nouveau message",
    "EMERGENCY_ACCESS": "un accès en urgence",
    "DOCUMENT_RELEASED": "1 nouveau document",  # never "held back": that would tell too much
}


async def _secrets(c: Cast) -> list[str]:
    """What the email must never say: the health data around the news."""
    lefevre = await c.stores.professionals.get(LEFEVRE)
    assert lefevre is not None
    secrets = [TITLE, TYPE_CODE, TYPE_NAME, SUBJECT, BODY, REASON]
    secrets += [lefevre["first_name"], lefevre["last_name"], "Moreau"]
    secrets += [code for code in (lefevre["specialty_code"], lefevre["profession_code"]) if code]
    return secrets


@pytest.mark.parametrize("kind", list(CAUSES))
@pytest.mark.parametrize("state", ["on", "off", "no email"])
async def test_each_kind_of_news_is_mailed_as_the_patient_chose(
    c: Cast, kind: str, state: str
) -> None:
    if state == "no email":
        await c.stores.patients.collection.update_one({"_id": CAMILLE}, {"$set": {"email": None}})
    await CAUSES[kind](c)
    if state == "off":  # switched off after the event, before the sending: read at send time
        chosen = await c.choose(kind, False)
        assert {"channel": "EMAIL", "kind": kind, "enabled": False} in chosen["preferences"]
    assert await c.send() == (1 if state == "on" else 0)
    assert await c.send() == 0  # never twice
    if state != "on":
        assert c.inbox.messages == []
        return
    [mail] = c.inbox.messages
    assert mail["To"] == "camille.martin@example.org"
    assert mail["Subject"] == "Du nouveau dans Mon espace santé"
    text = mail.get_content()
    assert SAYS[kind] in text
    assert BASE_URL in text
    whole = c.inbox.raw[0].decode() + text  # headers and body, as sent and as decoded
    for secret in await _secrets(c):
        assert secret.lower() not in whole.lower(), secret


async def test_the_preferences_default_to_on_and_are_the_holders_to_read(c: Cast) -> None:
    listed = (await c.camille.data(READ, {"p": CAMILLE}))["notificationPreferences"]
    assert {(p["kind"], p["enabled"]) for p in listed} == {(kind, True) for kind in CAUSES}
    assert {p["channel"] for p in listed} == {"EMAIL"}
    await c.choose("MESSAGE", False)
    listed = (await c.camille.data(READ, {"p": CAMILLE}))["notificationPreferences"]
    assert {p["kind"] for p in listed if not p["enabled"]} == {"MESSAGE"}
    traced = await c.stores.access_events.collection.count_documents(
        {"patient_id": CAMILLE, "action": "notifications.changed", "outcome": "allowed"}
    )
    assert traced == 1


async def test_five_documents_within_minutes_make_one_email_saying_five(c: Cast) -> None:
    for _ in range(5):
        await c.lefevre.deposited(title=TITLE)
    await c.camille.deposited(title="Mon ordonnance")  # her own deposit is no news to her
    assert await c.send(after=WINDOW / 2) == 0  # the window has not run yet
    assert await c.send() == 1
    [mail] = c.inbox.messages
    assert "5 nouveaux documents" in mail.get_content()
    events = await c.stores.news_events.collection.find().to_list()
    assert len(events) == 5
    assert {e["status"] for e in events} == {"sent"}
    assert len({e["batch_id"] for e in events}) == 1
