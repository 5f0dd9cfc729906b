"""News is mailed once per event whatever happens to the senders: two replicas at the same
moment, a sender dying after its claim, or after the SMTP server took the email; held-back
documents wait for their release; a representative is never mailed the minor's news."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.mail import SmtpSender
from api.settings import Settings
from resolvers.core.actors import ActorKind
from resolvers.documents.lifecycle import release_held_documents
from resolvers.spaces import news
from resolvers.spaces.notifications import Message
from tests.api.documents_support import CAMILLE, Caller, minor_with_a_parent, stores_of
from tests.api.news_support import BASE_URL, SET, TITLE, WINDOW, Cast, cast
from tests.api.smtp_support import Inbox, sender_to
from tests.support import FakeClock
from tests.tokens import seed, token_factory

LATER = WINDOW + timedelta(seconds=1)


def later(after: timedelta = LATER) -> FakeClock:
    return FakeClock(datetime.now(UTC) + after)


async def test_two_replicas_sending_at_the_same_moment_mail_each_event_once(
    c: Cast, settings: Settings
) -> None:
    for _ in range(3):
        await c.lefevre.deposited(title=TITLE)
    second = create_app(settings)
    async with second.router.lifespan_context(second):
        replicas = [stores_of(c.app), stores_of(second)] * 4
        clock = later()
        sent = await asyncio.gather(*(
            news.send_news(stores, clock, c.sender, window=WINDOW, base_url=BASE_URL)
            for stores in replicas
        ))  # fmt: skip
    assert sum(sent) == 1
    [mail] = c.inbox.messages
    assert "3 nouveaux documents" in mail.get_content()


async def test_a_sender_dead_after_its_claim_leaves_the_batch_to_the_next_after_the_lease(
    c: Cast,
) -> None:
    await c.lefevre.deposited(title=TITLE)
    claimed = await news._batch(c.stores, later(), CAMILLE)
    assert claimed is not None  # ... then the process dies
    assert await c.send() == 0  # its lease runs: nobody else sends
    assert await c.send(after=LATER + news.SEND_LEASE) == 1
    assert await c.send(after=LATER + news.SEND_LEASE) == 0
    [mail] = c.inbox.messages
    assert mail["Message-ID"] == f"<news-{claimed[1]}@monespacesante.example>"


class DiesAfterSending:
    """Sends, then the process dies before it can mark anything sent."""

    def __init__(self, sender: SmtpSender) -> None:
        self.sender = sender

    async def send(self, to: str, message: Message) -> None:
        await self.sender.send(to, message)
        raise SystemExit("killed")


async def test_a_sender_dead_after_the_smtp_send_means_the_same_email_again(c: Cast) -> None:
    """At least once: the batch goes out again, recognisably the same (same Message-ID)."""
    await c.lefevre.deposited(title=TITLE)
    with pytest.raises(SystemExit):
        await news.send_news(
            c.stores, later(), DiesAfterSending(c.sender), window=WINDOW, base_url=BASE_URL
        )
    await c.lefevre.deposited(title=TITLE)  # news arriving meanwhile waits for the next email
    assert await c.send(after=LATER + news.SEND_LEASE) == 1
    assert await c.send(after=LATER + news.SEND_LEASE) == 1  # then the new one
    first, again, new = c.inbox.messages
    assert first["Message-ID"] == again["Message-ID"] != new["Message-ID"]
    assert first.get_content() == again.get_content()


async def test_a_document_held_back_is_news_only_when_it_shows_after_a_month(c: Cast) -> None:
    await c.lefevre.deposited(title=TITLE, hiddenFromPatient=True)
    assert await c.send() == 0
    month = timedelta(days=31)
    assert await release_held_documents(c.stores, later(month)) == 1
    assert await c.send(after=month + LATER) == 1
    assert "1 nouveau document" in c.inbox.messages[0].get_content()


async def test_a_representative_is_never_mailed_the_minors_news(
    app: Starlette, http: httpx.AsyncClient, settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    """The minor's secret care (hidden from her representatives) reaches her own address, and
    nothing reaches her parent's: news goes to the holder's address only."""
    await seed(app)
    inbox, port = smtp
    family = await minor_with_a_parent(token_factory(app), app, http)
    await family.lefevre.deposited(
        patient_id=family.child["_id"], title=TITLE, hiddenFromRepresentatives=True
    )
    sent = await news.send_news(
        stores_of(app), later(), sender_to(settings, port), window=WINDOW, base_url=BASE_URL
    )
    assert sent == 1
    assert [m["To"] for m in inbox.messages] == [family.child["email"]]
    assert family.parent["email"]
    assert family.parent["email"] not in inbox.raw[0].decode()
    # the parent chooses for the minor (a representative acts for the holder)
    parent = Caller(
        http,
        await token_factory(app)(
            ActorKind.PATIENT, family.parent["ins"]["matricule"], "space:manage"
        ),
    )
    chosen = await parent.data(
        SET, {"p": family.child["_id"], "c": "EMAIL", "k": "MESSAGE", "e": False}
    )
    assert chosen["setNotificationPreference"]["__typename"] == "NotificationPreferences"
    assert await stores_of(app).news_preferences.of_patient(family.child["_id"]) == {
        "email": {"message": False}
    }


async def test_the_serve_workers_mail_the_news(settings: Settings, smtp: tuple[Inbox, int]) -> None:
    """The ``news`` loop of ``serve`` (api/workers.py) runs the use case: a deposit reaches the
    SMTP server with nobody calling it."""
    inbox, port = smtp
    running = settings.model_copy(
        update={
            "background_workers": True, "due_interval_seconds": 0.2,
            "notification_batch_seconds": 0.0, "smtp_host": "127.0.0.1", "smtp_port": port,
        }
    )  # fmt: skip
    app = create_app(running)
    async with app.router.lifespan_context(app):
        await seed(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            c = await cast(app, http, token_factory(app), sender_to(settings, port), inbox)
            await c.lefevre.deposited(title=TITLE)
            for _ in range(100):  # polled, not timed: the loop's turn comes when it comes
                if inbox.messages:
                    break
                await asyncio.sleep(0.1)
    assert [m["To"] for m in inbox.messages] == ["camille.martin@example.org"]
