"""Emails through a real SMTP server the test starts (aiosmtpd), and letters for the printer."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from api.mail import SmtpSender
from api.settings import Settings
from resolvers.core import guessing
from resolvers.spaces import lifecycle as spaces
from resolvers.spaces import notifications
from resolvers.spaces.due import run_due
from resolvers.spaces.lifecycle import notice
from storage.stores import Stores
from tests.api.smtp_support import Inbox, free_port, smtp_server
from tests.spaces_support import CODE, SIX_WEEKS, make_patient
from tests.storage.helpers import open_test_stores
from tests.support import FakeClock

__all__ = ["Inbox", "smtp"]  # the SMTP server, as other tests import it from here


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def stores(settings: Settings) -> AsyncIterator[Stores]:
    async with open_test_stores(settings) as opened:
        yield opened


async def test_the_provisioning_notice_reaches_a_real_smtp_server(
    settings: Settings, stores: Stores, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    clock = FakeClock()
    patient = await make_patient(stores, clock, 1, notices=[notice("provisioning-notice")])
    sender = SmtpSender(settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}))
    await run_due(stores, clock)
    assert await notifications.send_emails(stores, clock, sender) == 1
    [received] = inbox.messages
    assert received["To"] == patient["email"]
    assert received["Subject"] == "Votre profil Mon espace santé va être créé"
    assert "Mon espace santé" in received["From"]
    body = received.get_content()
    assert "13/04/2026" in body  # six weeks after 2 March 2026
    code = CODE.search(body)
    assert code is not None
    # the code in the email is the one the space accepts
    objected = await spaces.object_to_space(
        stores, clock, patient["ins"]["matricule"], code.group(1), guessing.Sources("192.0.2.1")
    )
    assert objected.status == "objected"
    assert await notifications.send_emails(stores, clock, sender) == 0  # sent once


async def test_an_unreachable_smtp_server_means_retry_later_not_loss(
    settings: Settings, stores: Stores
) -> None:
    clock = FakeClock()
    await make_patient(stores, clock, 1, notices=[notice("provisioning-notice")])
    down = SmtpSender(
        settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port()})
    )
    await run_due(stores, clock)
    assert await notifications.send_emails(stores, clock, down) == 0
    [item] = await stores.outbox.collection.find().to_list()
    assert item["status"] == "pending"
    assert item["attempts"] == 1
    assert item["next_attempt_at"] == clock.now() + notifications.RETRY_DELAYS[0]
    assert await notifications.send_emails(stores, clock, down) == 0  # not due yet
    clock.advance(timedelta(minutes=1))
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        up = SmtpSender(
            settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": controller.port})
        )
        assert await notifications.send_emails(stores, clock, up) == 1
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


async def test_people_without_email_get_a_letter_in_the_printers_batch_file(
    stores: Stores,
) -> None:
    clock = FakeClock()
    by_post = await make_patient(
        stores, clock, 1, email=False, notices=[notice("provisioning-notice")]
    )
    await make_patient(stores, clock, 2, notices=[notice("provisioning-notice")])
    clock.advance(SIX_WEEKS)
    await run_due(stores, clock)  # the first is also opened: a second letter, with its code
    out = io.StringIO()

    async def write(text: str) -> None:
        out.write(text)

    export_id, count = await notifications.export_postal(stores, clock, write)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == len(rows) == 2
    assert {row["subject"] for row in rows} == {
        "Votre profil Mon espace santé va être créé",
        "Activez votre profil Mon espace santé",
    }
    assert all(row["address_line_1"] == "1 rue de la Paix" for row in rows)
    assert all(row["postcode"] == "75002" for row in rows)
    assert all(row["name"].endswith(by_post["identity"]["birth_names"]) for row in rows)
    again, none = await notifications.export_postal(stores, clock, write)
    assert none == 0
    assert again != export_id
    exported = await stores.outbox.count({"export_id": export_id, "status": "exported"})
    assert exported == 2
