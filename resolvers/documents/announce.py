"""Telling the patient and her primary physician that a professional deposited a document
(L1111-15), when the depositor asks on the deposit (or the upload's confirmation).

- The patient: a conversation the depositor starts in her secure mailbox, the document as its
  attachment (``resolvers.messaging.writes``: traced as sent, the attachment read under each
  reader's rights). A document held back from her (INVISIBLE_PATIENT) is NOT announced: the
  message would reveal it before the announcement consultation; nothing is deferred either
  (the release is the professional's moment to tell her, and the emails of a release are
  another module's). Her space may be open and not yet activated: the message waits there.
- The primary physician (the care team's): one email to their secure-messaging address through
  the outbox, as the emergency notices go, with a template that names the patient and nothing of
  the document. Not when there is none, no address, or the depositor is the physician. A
  document hidden from professionals (MASQUE_PS, inherited by a new version) is still
  announced to them: the primary physician may read it (R1111-49).
- Each outcome is in the deposit's answer, and each announcement in the access history.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, InvalidInput
from resolvers.documents.rules import DocumentConfig
from resolvers.messaging.writes import Draft, start_conversation
from resolvers.spaces.notifications import tell_professional
from storage.documents import DocumentDoc
from storage.stores import Stores

PHYSICIAN_TEMPLATE = "document-deposited-physician"
SUBJECT = "Nouveau document dans votre profil"


class Told(StrEnum):
    """What became of one announcement."""

    SENT = "SENT"
    NOT_ASKED = "NOT_ASKED"
    HELD_BACK = "HELD_BACK"  # the document is not visible to the patient yet
    NO_PRIMARY_PHYSICIAN = "NO_PRIMARY_PHYSICIAN"
    NO_ADDRESS = "NO_ADDRESS"  # the directory has no secure-messaging address for them
    DEPOSITOR = "DEPOSITOR"  # the depositor is the primary physician


@dataclass(frozen=True, slots=True)
class Ask:
    patient: bool = False
    primary_physician: bool = False


@dataclass(frozen=True, slots=True)
class Announced:
    patient: Told
    primary_physician: Told


# Telling the patient is a secure message from the depositor: the token must be allowed to send
# one, as ``startConversation`` requires.
PATIENT_MESSAGE_SCOPE = "messages:write"


def check_ask(actor: Actor, ask: Ask) -> None:
    """Checked before the deposit: only a professional depositor announces a document, and
    only with a token that may write to the patient."""
    if (ask.patient or ask.primary_physician) and actor.kind is not ActorKind.PROFESSIONAL:
        raise InvalidInput("only a professional's deposit is announced", field="notify")
    if ask.patient and actor.missing_scopes([PATIENT_MESSAGE_SCOPE]):
        raise Forbidden(
            f"telling the patient sends her a secure message: the token needs the scope "
            f"{PATIENT_MESSAGE_SCOPE}",
            field="notify.patient",
        )


def _body(doc: DocumentDoc) -> str:
    act = (doc["service_stop"] or doc["created_at"]).strftime("%d/%m/%Y")
    return (
        f"{doc['author']['name']} a déposé un document dans votre profil : « {doc['title']} » "
        f"({act}). Vous le trouverez joint à ce message et dans vos documents."
    )


async def _patient(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, doc: DocumentDoc
) -> Told:
    if doc["hidden_from_patient"]:
        return Told.HELD_BACK
    draft = Draft(body=_body(doc), subject=SUBJECT, attachment_ids=[doc["_id"]])
    await start_conversation(stores, clock, config, actor, doc["patient_id"], draft)
    return Told.SENT


async def _physician(stores: Stores, clock: Clock, actor: Actor, doc: DocumentDoc) -> Told:
    physician_id = await stores.profile_entries.primary_physician_id(doc["patient_id"])
    if physician_id is None:
        return Told.NO_PRIMARY_PHYSICIAN
    if physician_id == actor.id:
        return Told.DEPOSITOR
    patient = await stores.patients.get(doc["patient_id"])
    assert patient is not None  # noqa: S101 - the deposit just found her
    if not await tell_professional(stores, clock, physician_id, patient, PHYSICIAN_TEMPLATE):
        return Told.NO_ADDRESS
    await trace(
        stores, clock, actor, patient_id=doc["patient_id"], action="document.announced",
        target=("document", doc["_id"]),
    )  # fmt: skip
    return Told.SENT


async def announce(  # noqa: PLR0917 - the use case's facts
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    doc: DocumentDoc,
    ask: Ask,
) -> Announced:
    """Tell whom the depositor asked to be told of ``doc``, just deposited by ``actor``."""
    patient = await _patient(stores, clock, config, actor, doc) if ask.patient else Told.NOT_ASKED
    physician = (
        await _physician(stores, clock, actor, doc) if ask.primary_physician else Told.NOT_ASKED
    )
    return Announced(patient, physician)
