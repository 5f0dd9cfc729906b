"""Telling people what happens to their space: the outbox, its emails and its letters.

A notification is decided with the change that causes it (a pending notice on the space), moved
to the outbox by ``run-due``, then sent by email, or exported in a batch file for the printer
when there is no email. Codes printed in a message (objection, activation) are generated when
the message is produced, so a code is never valid before the person can have received it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from resolvers.core.clock import Clock
from resolvers.spaces import _one_time_codes as codes
from resolvers.spaces.lifecycle import new_activation
from storage.ids import new_id
from storage.outbox import NotificationDoc
from storage.patients import PatientDoc, PostalAddressDoc
from storage.stores import Stores

SEND_LEASE = timedelta(minutes=5)
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=24),
)
SITE = "https://www.monespacesante.fr"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    message_id: str | None = None  # the local part of a Message-ID the email must carry


class Sender(Protocol):
    async def send(self, to: str, message: Message) -> None: ...


def _fr(day: date | datetime | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")


async def compose(stores: Stores, clock: Clock, patient: PatientDoc, template: str) -> Message:
    """The message for ``template``; generates (and stores) the code it carries, if any."""
    name = f"{patient['identity']['first_names'][0]} {patient['identity']['birth_names']}"
    space = patient["space"]
    changes: dict[str, Any] = {}
    if template == "provisioning-notice":
        code = codes.new_code()
        changes["space.objection_code_hash"] = codes.code_hash(code)
        opening = date.fromisoformat(space["opening_date"]) if space["opening_date"] else None
        message = Message(
            "Votre profil Mon espace santé va être créé",
            f"Bonjour {name},\n\nMon espace santé, le service public de votre santé, sera ouvert "
            f"pour vous le {_fr(opening)}, sauf si vous vous y opposez avant cette date.\n\n"
            f"Pour vous opposer, rendez-vous sur {SITE} avec votre numéro de sécurité sociale "
            f"et ce code d'opposition : {code}\n",
        )
    elif template == "emergency-access-physician":
        message = Message(
            "Accès en urgence au profil d'un de vos patients",
            f"Bonjour,\n\nUn professionnel de santé a déclaré un accès en urgence au profil Mon "
            f"espace santé de {name}, dont vous êtes le médecin traitant. L'historique des accès "
            f"du profil en garde la trace.\n",
        )
    elif template == "document-deposited-physician":  # L1111-15; nothing of the document
        message = Message(
            "Nouveau document dans le profil d'un de vos patients",
            f"Bonjour,\n\nUn professionnel de santé a déposé un document dans le profil Mon "
            f"espace santé de {name}, dont vous êtes le médecin traitant. Vous pouvez le "
            f"consulter depuis votre logiciel.\n",
        )
    elif template == "activation-code":
        code, changes = new_activation(clock.now())
        message = Message(
            "Activez votre profil Mon espace santé",
            f"Bonjour {name},\n\nVotre profil Mon espace santé est ouvert. Pour l'activer et "
            f"choisir votre mot de passe, rendez-vous sur {SITE} avec ce code d'activation, "
            f"valable jusqu'au {_fr(changes['space.activation_expires_at'])} : {code}\n",
        )
    else:
        message = Message(*_STATUS_MESSAGES.get(template, _STATUS_MESSAGES["space-changed"]))
        message = Message(message.subject, f"Bonjour {name},\n\n{message.body}\n")
    if changes:
        await stores.patients.transition({"_id": patient["_id"]}, changes, clock.now())
    return message


_STATUS_MESSAGES: dict[str, tuple[str, str]] = {
    "objection-recorded": (
        "Votre opposition est enregistrée",
        "Votre opposition à Mon espace santé est enregistrée : aucun profil ne sera ouvert.",
    ),
    "space-closed": (
        "Votre profil Mon espace santé est fermé",
        "Votre profil est fermé. Il est conservé dix ans, pendant lesquels vous "
        "pouvez le rouvrir, puis supprimé.",
    ),
    "space-reopened": ("Votre profil Mon espace santé est rouvert", "Votre profil est rouvert."),
    "deletion-scheduled": (
        "Suppression de votre profil Mon espace santé",
        "Votre demande de suppression est enregistrée : votre profil sera "
        "supprimé dans trente jours. D'ici là, le rouvrir annule la demande.",
    ),
    "space-suspended": (
        "Votre profil Mon espace santé est suspendu",
        "Votre profil est suspendu. Sans contestation de votre part dans les six "
        "semaines, il sera fermé.",
    ),
    "suspension-lifted": (
        "Votre profil Mon espace santé est rétabli",
        "La suspension de votre profil est levée.",
    ),
    "document-waiting": (
        "Un document vous attend dans Mon espace santé",
        "Un professionnel de santé a déposé un document dans votre profil. Il vous le "
        "présentera en consultation ; sinon, il vous sera visible dans deux semaines.",
    ),
    "emergency-access": (
        "Accès en urgence à votre profil Mon espace santé",
        "Un professionnel de santé a accédé à votre profil en urgence. Vous trouverez qui, "
        "quand et pourquoi dans l'historique des accès de votre profil.",
    ),
    "space-changed": ("Mon espace santé", "Votre profil Mon espace santé a changé."),
}


def _outbox_item(
    id_: str,
    patient_id: str,
    template: str,
    now: datetime,
    *,
    email: str | None,
    address: PostalAddressDoc | None = None,
) -> NotificationDoc:
    """A notification ready to send: by email when there is an address, else by post."""
    return {
        "_id": id_,
        "patient_id": patient_id,
        "template": template,
        "channel": "email" if email else "post",
        "email": email,
        "address": address,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "lease_until": None,
        "created_at": now,
        "sent_at": None,
        "export_id": None,
        "last_error": None,
    }


async def tell_professional(
    stores: Stores, clock: Clock, professional_id: str, patient: PatientDoc, template: str
) -> bool:
    """Queue an email to a professional's secure-messaging address about ``patient``; ``False``
    when the directory has no address for them."""
    pro = await stores.professionals.get(professional_id)
    if pro is None or not pro.get("email"):
        return False
    doc = _outbox_item(new_id(), patient["_id"], template, clock.now(), email=pro.get("email"))
    return await stores.outbox.enqueue(doc)


async def enqueue_pending(stores: Stores, clock: Clock, limit: int = 500) -> int:
    """Move decided notices to the outbox (each once, whoever runs this); returns how many."""
    moved = 0
    for patient in await stores.patients.with_pending_notices(limit):
        for pending in patient["space"]["notices"]:
            doc = _outbox_item(
                pending["id"], patient["_id"], pending["template"], clock.now(),
                email=patient["email"], address=patient["address"],
            )  # fmt: skip
            moved += await stores.outbox.enqueue(doc)
            await stores.patients.drop_notice(patient["_id"], pending["id"])
    return moved


async def send_emails(stores: Stores, clock: Clock, sender: Sender, limit: int = 100) -> int:
    """Send due emails, at least once each; failures are retried with growing delays."""
    sent = 0
    for _ in range(limit):
        now = clock.now()
        item = await stores.outbox.claim("email", now, now + SEND_LEASE)
        if item is None:
            break
        try:
            patient = await stores.patients.get(item["patient_id"])
            if patient is None or item["email"] is None:
                await stores.outbox.retry_later(item["_id"], now, "no recipient", give_up=True)
                continue
            await sender.send(
                item["email"], await compose(stores, clock, patient, item["template"])
            )
        except Exception as error:  # right here: whatever failed (SMTP, outage), the email is
            # retried later and the next one in the batch is not held up by it
            attempt = min(item["attempts"], len(RETRY_DELAYS)) - 1
            await stores.outbox.retry_later(
                item["_id"],
                clock.now() + RETRY_DELAYS[max(attempt, 0)],
                type(error).__name__,
                give_up=item["attempts"] >= len(RETRY_DELAYS),
            )
            continue
        await stores.outbox.mark_sent(item["_id"], clock.now())
        sent += 1
    return sent


POSTAL_COLUMNS = [
    "notification_id",
    "name",
    "address_line_1",
    "address_line_2",
    "postcode",
    "city",
    "country",
    "subject",
    "body",
]


async def export_postal(
    stores: Stores, clock: Clock, write: Callable[[str], Awaitable[object]], limit: int = 100_000
) -> tuple[str, int]:
    """Write every pending letter to the printer's batch file (CSV, UTF-8); returns the export
    id and the number of letters. Each letter is exported once."""
    export_id = new_id()
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(POSTAL_COLUMNS)
    await write(buffer.getvalue())
    count = 0
    for _ in range(limit):
        now = clock.now()
        item = await stores.outbox.claim("post", now, now + SEND_LEASE)
        if item is None:
            break
        patient = await stores.patients.get(item["patient_id"])
        address = item["address"]
        if patient is None or address is None:
            await stores.outbox.retry_later(item["_id"], now, "no address", give_up=True)
            continue
        message = await compose(stores, clock, patient, item["template"])
        lines = [*address["lines"], "", ""][:2]
        buffer = io.StringIO()
        csv.writer(buffer).writerow(
            [
                item["_id"],
                f"{patient['identity']['first_names'][0]} {patient['identity']['birth_names']}",
                *lines,
                address["postcode"],
                address["city"],
                address["country"],
                message.subject,
                message.body,
            ]
        )
        await write(buffer.getvalue())
        await stores.outbox.mark_exported(item["_id"], export_id, clock.now())
        count += 1
    return export_id, count
