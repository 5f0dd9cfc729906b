"""Spaces in a given state, and the messages sent about them, for lifecycle tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from resolvers.spaces import notifications
from resolvers.spaces.lifecycle import opening_date
from resolvers.spaces.notifications import Message
from storage.ids import new_id
from storage.patients import PatientDoc, Sex, SpaceStatus, new_space
from storage.stores import Stores
from tests.generators.beneficiaries import matricule
from tests.support import FakeClock

CODE = re.compile(r"\b([0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5})\b")


@dataclass
class Outbox:
    """A Sender that keeps what it sends."""

    sent: list[tuple[str, Message]] = field(default_factory=list)

    async def send(self, to: str, message: Message) -> None:
        self.sent.append((to, message))

    def code_for(self, to: str) -> str:
        """The code in the last message sent to ``to``."""
        for recipient, message in reversed(self.sent):
            if recipient == to and (found := CODE.search(message.body)):
                return found.group(1)
        raise AssertionError(f"no code sent to {to}")


async def make_patient(
    stores: Stores,
    clock: FakeClock,
    index: int,
    status: SpaceStatus = "provisioned",
    *,
    born: date = date(1980, 6, 15),
    email: bool = True,
    **space: Any,
) -> PatientDoc:
    now = clock.now()
    sex: Sex = "M" if index % 2 else "F"
    doc: PatientDoc = {
        "_id": new_id(),
        "ins": {
            "matricule": matricule(index, sex, born.year, born.month),
            "oid": "1.2.250.1.213.1.4.8",
        },
        "identity": {
            "birth_names": f"NOM{index}",
            "first_names": ["Prénom"],
            "sex": sex,
            "birth_date": born.isoformat(),
            "birth_place_code": "75056",
        },
        "email": f"p{index}@example.org" if email else None,
        "address": None
        if email
        else {"lines": ["1 rue de la Paix"], "postcode": "75002", "city": "Paris", "country": "FR"},
        "space": new_space(status, opening_date=opening_date(now.date()).isoformat(), **space),
        "created_at": now,
        "updated_at": now,
    }
    await stores.patients.insert(doc)
    return doc


async def deliver(stores: Stores, clock: FakeClock, outbox: Outbox) -> int:
    """Queue decided notices and send the emails, as the workers would."""
    await notifications.enqueue_pending(stores, clock)
    return await notifications.send_emails(stores, clock, outbox)


async def send_notice(stores: Stores, clock: FakeClock, outbox: Outbox, patient: PatientDoc) -> str:
    """Queue and send what is pending for ``patient``; the code of the last message."""
    await deliver(stores, clock, outbox)
    assert patient["email"] is not None
    return outbox.code_for(patient["email"])


SIX_WEEKS = timedelta(weeks=6)
