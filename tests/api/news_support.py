"""The cast and the helpers of the news tests: Camille, her physician, an SMTP server, and the
causes of each kind of news, all through GraphQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from api.mail import SmtpSender
from resolvers.spaces import news
from storage.stores import Stores
from tests.api.documents_support import (
    CAMILLE,
    DOCS,
    MOREAU_RPPS,
    Caller,
    patient,
    professional,
    stores_of,
)
from tests.api.messaging_support import MSG, started
from tests.api.smtp_support import Inbox
from tests.support import FakeClock
from tests.tokens import TokenFactory

WINDOW = timedelta(minutes=5)
BASE_URL = "https://monespacesante.example"
TITLE = "Biopsie mammaire : carcinome canalaire"
SUBJECT = "Résultat de votre biopsie"
BODY = "Le carcinome est confirmé, venez me voir."
REASON = "Inconsciente aux urgences de Cochin"
EMERGENCY = (
    "mutation($p: ID!, $r: String!) { declareEmergencyAccess(patientId: $p, reason: $r) "
    "{ __typename } }"
)
RELEASE = (
    "mutation($d: ID!) { releaseDocument(documentId: $d) "
    "{ __typename ... on DocumentError { code } } }"
)
SET = """mutation($p: ID!, $c: NotificationChannel!, $k: NotificationKind!, $e: Boolean!) {
  setNotificationPreference(patientId: $p, channel: $c, kind: $k, enabled: $e) {
    __typename
    ... on NotificationPreferences { preferences { channel kind enabled } }
    ... on SpaceError { code message field } } }"""
READ = "query($p: ID!) { notificationPreferences(patientId: $p) { channel kind enabled } }"


@dataclass
class Cast:
    app: Starlette
    camille: Caller  # the holder, with space:manage
    lefevre: Caller  # her primary physician: deposits, writes
    moreau: Caller  # follows nobody: declares an emergency
    sender: SmtpSender
    inbox: Inbox

    @property
    def stores(self) -> Stores:
        return stores_of(self.app)

    async def send(self, *, after: timedelta = WINDOW + timedelta(seconds=1)) -> int:
        """What the ``news`` worker does, ``after`` this long (the app runs on the real clock)."""
        clock = FakeClock(datetime.now(UTC) + after)
        return await news.send_news(
            self.stores, clock, self.sender, window=WINDOW, base_url=BASE_URL
        )

    async def choose(self, kind: str, enabled: bool, patient_id: str = CAMILLE) -> Any:
        data = await self.camille.data(
            SET, {"p": patient_id, "c": "EMAIL", "k": kind, "e": enabled}
        )
        return data["setNotificationPreference"]


async def cast(
    app: Starlette, http: httpx.AsyncClient, make: TokenFactory, sender: SmtpSender, inbox: Inbox
) -> Cast:
    return Cast(
        app,
        await patient(make, http, f"{DOCS} {MSG} space:manage"),
        await professional(make, http, scope=f"{DOCS} {MSG}"),
        await professional(make, http, MOREAU_RPPS, f"{DOCS} emergency"),
        sender,
        inbox,
    )


async def deposit(c: Cast) -> None:
    await c.lefevre.deposited(title=TITLE)


async def message(c: Cast) -> None:
    await started(c.lefevre, CAMILLE, subject=SUBJECT, body=BODY)


async def emergency(c: Cast) -> None:
    data = await c.moreau.data(EMERGENCY, {"p": CAMILLE, "r": REASON})
    assert data["declareEmergencyAccess"]["__typename"] == "EmergencyAccess", data


async def release(c: Cast) -> None:
    held = await c.lefevre.deposited(title=TITLE, hiddenFromPatient=True)
    assert await c.send() == 0  # held back: nothing to tell yet
    data = await c.lefevre.data(RELEASE, {"d": held["id"]})
    assert data["releaseDocument"]["__typename"] == "DocumentChange", data


CAUSES: dict[str, Callable[[Cast], Awaitable[None]]] = {
    "DOCUMENT": deposit,
    "MESSAGE": message,
    "EMERGENCY_ACCESS": emergency,
    "DOCUMENT_RELEASED": release,
}
