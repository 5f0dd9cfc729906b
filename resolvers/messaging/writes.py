"""Secure messaging, the writes: start a conversation, send, mark read, archive.

Rules (DOMAIN: Secure messaging; the choices where it is silent are in ``docs/messaging.md``):

- only a professional starts a conversation; the patient and their legal representatives reply;
- a professional's message whose subject is exactly ``[FIN]`` ends the conversation, and every
  later send is refused with ``CONVERSATION_CLOSED``; nobody else can end it;
- attachments are documents of the patient's record that the sender may read (deposited through
  the document path first) and that the patient may see; each is traced as attached;
- a professional's new message brings an archived conversation back to the patient's inbox.

A send is one transaction (the conversation's counters and the message), and is traced once it
is committed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resolvers.access.guard import open_document
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import author_of, refusals_traced, trace
from resolvers.core.clock import Clock
from resolvers.core.errors import DomainError, Forbidden, InvalidInput
from resolvers.core.text import search_words
from resolvers.documents.rules import DocumentConfig
from resolvers.messaging._access import open_conversation, open_mailbox
from resolvers.messaging.refusals import MessagingRefusal
from resolvers.spaces import news
from storage.ids import new_id
from storage.messages import (
    ConversationDoc,
    LastMessageDoc,
    MessageDoc,
    ReadMarkDoc,
    ReceiptDoc,
)
from storage.patients import PatientDoc
from storage.profile import AuthorDoc
from storage.stores import Session, Stores

END_SUBJECT = "[FIN]"
SUBJECT_MAX = 200
BODY_MAX = 20_000
ATTACHMENTS_MAX = 10
EXCERPT = 140


class ConversationClosed(DomainError):
    """The conversation was ended with ``[FIN]``: nothing more can be sent in it."""

    code = MessagingRefusal.CONVERSATION_CLOSED


@dataclass(frozen=True, slots=True)
class Draft:
    """What the sender wrote, unchecked."""

    body: str
    subject: str | None = None
    attachment_ids: Sequence[str] = ()


def _text(value: str, field: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in value):
        raise InvalidInput(f"{field} holds control characters", field=field)
    return value


def check_draft(draft: Draft, *, subject_required: bool) -> Draft:
    subject = draft.subject
    if subject is not None:
        subject = _text(subject, "subject", SUBJECT_MAX)
        if not subject.strip():
            subject = None
    if subject is None and subject_required:
        raise InvalidInput("a conversation starts with a subject", field="subject")
    body = _text(draft.body, "body", BODY_MAX)
    ids = list(dict.fromkeys(draft.attachment_ids))
    if len(ids) > ATTACHMENTS_MAX:
        raise InvalidInput(f"at most {ATTACHMENTS_MAX} attachments", field="attachmentIds")
    if not body.strip() and not ids and subject != END_SUBJECT:
        raise InvalidInput("the message is empty", field="body")
    return Draft(body=body, subject=subject, attachment_ids=ids)


def patient_name(patient: PatientDoc) -> str:
    identity = patient["identity"]
    first = identity["first_names"][0] if identity["first_names"] else ""
    return f"{first} {identity['birth_names']}".strip()


async def _attachments(  # noqa: PLR0917 - the access's facts
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    patient_id: str,
    ids: Sequence[str],
) -> list[str]:
    """The documents, checked: the sender reads each (traced as attached), each is the
    patient's, and the patient may see it."""
    for document_id in ids:
        doc, _ = await open_document(
            stores, clock, config.matrix, actor, document_id, "message.attach"
        )
        if doc["patient_id"] != patient_id:
            raise InvalidInput(
                "an attachment must be a document of this conversation's patient",
                field="attachmentIds",
            )
        if doc["hidden_from_patient"]:
            raise InvalidInput(
                "this document is not yet visible to the patient, so it cannot be sent to them",
                field="attachmentIds",
            )
    return list(ids)


def _message(
    conversation: ConversationDoc,
    *,
    seq: int,
    message_id: str,
    author: AuthorDoc,
    draft: Draft,
    attachments: list[str],
    now: datetime,
) -> MessageDoc:
    doc: MessageDoc = {
        "_id": message_id,
        "conversation_id": conversation["_id"],
        "patient_id": conversation["patient_id"],
        "professional_id": conversation["professional_id"],
        "seq": seq,
        "author": author,
        "subject": draft.subject,
        "body": draft.body,
        "attachments": attachments,
        "sent_at": now,
        "read_by": [],
    }
    if author["kind"] == ActorKind.PROFESSIONAL.value and draft.subject == END_SUBJECT:
        doc["closes"] = True
    return doc


def _summary(message: MessageDoc) -> LastMessageDoc:
    body = " ".join(message["body"].split())
    return {
        "id": message["_id"],
        "seq": message["seq"],
        "subject": message["subject"],
        "excerpt": body if len(body) <= EXCERPT else body[: EXCERPT - 1] + "…",
        "author": message["author"],
        "sent_at": message["sent_at"],
    }


async def start_conversation(  # noqa: PLR0917 - the use case's facts
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    patient_id: str,
    draft: Draft,
) -> tuple[ConversationDoc, MessageDoc]:
    action, target = "conversation.start", ("mailbox", patient_id)
    mailbox = await open_mailbox(
        stores, clock, actor, patient_id, action, write=True, trace_allowed=False
    )
    async with refusals_traced(
        stores, clock, actor, patient_id=patient_id, action=action, target=target
    ):
        if actor.kind is not ActorKind.PROFESSIONAL:
            raise Forbidden("Only a professional starts a conversation: reply to one instead.")
        draft = check_draft(draft, subject_required=True)
        if draft.subject == END_SUBJECT:
            raise InvalidInput("a conversation cannot start by ending", field="subject")
        attachments = await _attachments(
            stores, clock, config, actor, patient_id, draft.attachment_ids
        )
    pro = await stores.professionals.get(actor.id)
    author = await author_of(stores, actor)
    now = clock.now()
    conversation = _new_conversation(mailbox.patient, actor, author["name"], draft, now)
    conversation["profession_code"] = pro["profession_code"] if pro else actor.profession_code
    message = _message(
        conversation, seq=1, message_id=new_id(), author=author, draft=draft,
        attachments=attachments, now=now,
    )  # fmt: skip
    conversation["last_message"] = _summary(message)

    async def write(session: Session) -> None:
        await stores.conversations.start(conversation, session)
        await stores.messages.add(message, session)
        await news.message_written(stores, clock, message, session)

    await stores.in_transaction(write)
    await trace(
        stores, clock, author, patient_id=patient_id, action="message.sent",
        target=("message", message["_id"]),
    )  # fmt: skip
    return conversation, message


def _new_conversation(
    patient: PatientDoc, actor: Actor, professional: str, draft: Draft, now: datetime
) -> ConversationDoc:
    return {
        "_id": new_id(),
        "patient_id": patient["_id"],
        "professional_id": actor.id,
        "subject": draft.subject or "",
        "started_at": now,
        "last_message_at": now,
        "last_seq": 1,
        "last_message": {},  # type: ignore[typeddict-item]  # set once the message exists
        "professional_name": professional,
        "profession_code": actor.profession_code,
        "patient_name": patient_name(patient),
        "professional_keys": search_words(professional),
        "patient_keys": search_words(patient_name(patient)),
        "reads": {},
        "closed_at": None,
        "patient_archived_at": None,
    }


async def send_message(  # noqa: PLR0917 - the use case's facts
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    conversation_id: str,
    draft: Draft,
) -> tuple[ConversationDoc, MessageDoc]:
    draft = check_draft(draft, subject_required=False)
    conversation, mailbox = await open_conversation(
        stores, clock, actor, conversation_id, "message.send", write=True, trace_allowed=False
    )
    if conversation["closed_at"] is not None:
        raise ConversationClosed("This conversation was ended: start a new one.")
    if draft.subject == END_SUBJECT and mailbox.patient_side:
        raise InvalidInput("only the professional ends a conversation", field="subject")
    attachments = await _attachments(
        stores, clock, config, actor, conversation["patient_id"], draft.attachment_ids
    )
    author = await author_of(stores, actor)
    message_id, now = new_id(), clock.now()

    async def write(session: Session) -> tuple[ConversationDoc, MessageDoc]:
        # the number is taken inside the transaction: a retry takes it again
        reserved = await stores.conversations.reserve(conversation_id, session)
        if reserved is None:
            raise ConversationClosed("This conversation was ended: start a new one.")
        message = _message(
            reserved, seq=reserved["last_seq"], message_id=message_id, author=author,
            draft=draft, attachments=attachments, now=now,
        )  # fmt: skip
        changes: dict[str, Any] = {"last_message_at": now, "last_message": _summary(message)}
        if message.get("closes"):
            changes["closed_at"] = now
        if not mailbox.patient_side:
            changes["patient_archived_at"] = None
        await stores.conversations.update(conversation_id, changes, session)
        await stores.messages.add(message, session)
        await news.message_written(stores, clock, message, session)
        return {**reserved, **changes}, message  # type: ignore[typeddict-item]

    updated, message = await stores.in_transaction(write)
    await trace(
        stores, clock, author, patient_id=conversation["patient_id"], action="message.sent",
        target=("message", message_id),
    )  # fmt: skip
    return updated, message


async def mark_read(
    stores: Stores, clock: Clock, actor: Actor, conversation_id: str, up_to: str | None
) -> tuple[ConversationDoc, ReceiptDoc | None]:
    """Mark the conversation read up to the message ``up_to`` (default: the latest); a receipt
    goes to the other participants only when a message someone else wrote became read."""
    conversation, _ = await open_conversation(
        stores, clock, actor, conversation_id, "conversation.mark-read"
    )
    seq = conversation["last_seq"]
    message_id = conversation["last_message"]["id"]
    if up_to is not None:
        target = await stores.messages.get(up_to)
        if target is None or target["conversation_id"] != conversation_id:
            raise InvalidInput("no message with this id in the conversation", field="upTo")
        seq, message_id = target["seq"], target["_id"]
    reader = await author_of(stores, actor)
    now = clock.now()
    mark: ReadMarkDoc = {"seq": seq, "at": now}
    receipt: ReceiptDoc = {
        "_id": new_id(),
        "conversation_id": conversation_id,
        "patient_id": conversation["patient_id"],
        "professional_id": conversation["professional_id"],
        "reader": reader,
        "up_to_seq": seq,
        "up_to_message_id": message_id,
        "at": now,
    }

    async def write(session: Session) -> bool:
        if not await stores.conversations.mark_read(conversation_id, actor.id, mark, session):
            return False
        if not await stores.messages.mark_read(conversation_id, actor.id, seq, now, session):
            return False  # only their own messages: nobody to tell
        await stores.receipts.add(receipt, session)
        return True

    moved = await stores.in_transaction(write)
    updated = await stores.conversations.get(conversation_id)
    return updated or conversation, receipt if moved else None


async def set_archived(
    stores: Stores, clock: Clock, actor: Actor, conversation_id: str, archived: bool
) -> ConversationDoc:
    """The patient (or a representative) files a conversation away, or back to the inbox."""
    conversation, mailbox = await open_conversation(
        stores, clock, actor, conversation_id,
        "conversation.archive" if archived else "conversation.unarchive",
    )  # fmt: skip
    if not mailbox.patient_side:
        raise Forbidden("Archiving is the patient's: a professional's list is not archived.")
    at = clock.now() if archived else None
    await stores.conversations.set_archived(conversation_id, at)
    return {**conversation, "patient_archived_at": at}
