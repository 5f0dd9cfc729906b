"""Secure messaging: conversations, their messages, and the read receipts.

- ``conversations``: one per exchange a professional started with a patient. It keeps what a
  mailbox list shows without another query (the last message's summary, the correspondents'
  display names and their normalised search keys) and where each participant has read up to.
- ``messages``: each message, numbered within its conversation (``seq``), with the people who
  have read it. The patient's and the professional's ids are copied on each message so that a
  change stream routes it, and unread counts are one indexed count, with no join.
- ``message_receipts``: one event each time a participant reads up to a message; appended only,
  so that subscribers get read receipts from the same change stream as messages.

A send, and a read, are each one transaction: the conversation's counters and the message (or
the read marks and the receipt) are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NotRequired, TypedDict, cast

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from storage.profile import AuthorDoc
from storage.repository import Keyset, Page, Repository

CONVERSATIONS = "conversations"
MESSAGES = "messages"
RECEIPTS = "message_receipts"


class LastMessageDoc(TypedDict):
    id: str
    seq: int
    subject: str | None
    excerpt: str
    author: AuthorDoc
    sent_at: datetime


class ReadMarkDoc(TypedDict):
    seq: int
    at: datetime


class ConversationDoc(TypedDict):
    _id: str
    patient_id: str
    professional_id: str
    subject: str
    started_at: datetime
    last_message_at: datetime
    last_seq: int
    last_message: LastMessageDoc
    professional_name: str
    profession_code: str | None
    patient_name: str
    professional_keys: list[str]  # normalised words of the names, for search by correspondent
    patient_keys: list[str]
    reads: dict[str, ReadMarkDoc]  # participant id → where they have read up to
    closed_at: datetime | None
    patient_archived_at: datetime | None


class MessageReadDoc(TypedDict):
    id: str
    at: datetime


class MessageDoc(TypedDict):
    _id: str
    conversation_id: str
    patient_id: str
    professional_id: str
    seq: int
    author: AuthorDoc
    subject: str | None
    body: str
    attachments: list[str]  # document ids of the patient's record
    sent_at: datetime
    read_by: list[MessageReadDoc]  # the author is not listed: a message is never unread by them
    closes: NotRequired[bool]  # a professional's "[FIN]"


class ReceiptDoc(TypedDict):
    _id: str
    conversation_id: str
    patient_id: str
    professional_id: str
    reader: AuthorDoc
    up_to_seq: int
    up_to_message_id: str
    at: datetime


class ConversationRepository(Repository[ConversationDoc]):
    name = CONVERSATIONS
    indexes = (
        IndexModel(
            [("professional_id", ASCENDING), ("last_message_at", DESCENDING), ("_id", DESCENDING)],
            name="professional_recent",
        ),
        IndexModel(
            [("patient_id", ASCENDING), ("last_message_at", DESCENDING), ("_id", DESCENDING)],
            name="patient_recent",
        ),
    )

    async def page(
        self, filter_: Mapping[str, Any], first: int, after: Keyset | None
    ) -> Page[ConversationDoc]:
        return await self.find_page(filter_, sort_key="last_message_at", first=first, after=after)

    async def reserve(
        self, conversation_id: str, session: AsyncClientSession
    ) -> ConversationDoc | None:
        """Take the next message number of an open conversation; ``None`` when it is closed."""
        return await self.collection.find_one_and_update(
            {"_id": conversation_id, "closed_at": None},
            {"$inc": {"last_seq": 1}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def mark_read(
        self, conversation_id: str, reader_id: str, mark: ReadMarkDoc, session: AsyncClientSession
    ) -> bool:
        """Move the reader's mark forward to ``mark``; ``False`` if it was there already."""
        key = f"reads.{reader_id}"
        result = await self.collection.update_one(
            {
                "_id": conversation_id,
                "$or": [{key: {"$exists": False}}, {f"{key}.seq": {"$lt": mark["seq"]}}],
            },
            {"$set": {key: mark}},
            session=session,
        )
        return result.modified_count == 1

    async def start(self, doc: ConversationDoc, session: AsyncClientSession) -> None:
        await self.collection.insert_one(doc, session=session)

    async def update(
        self, conversation_id: str, changes: Mapping[str, Any], session: AsyncClientSession
    ) -> None:
        await self.collection.update_one(
            {"_id": conversation_id}, {"$set": dict(changes)}, session=session
        )

    async def patients_of(self, professional_id: str) -> list[str]:
        """The ids of the patients a professional has a conversation with."""
        ids = await self.collection.distinct("patient_id", {"professional_id": professional_id})
        return [str(id_) for id_ in ids]

    async def set_archived(self, conversation_id: str, at: datetime | None) -> None:
        await self.collection.update_one(
            {"_id": conversation_id}, {"$set": {"patient_archived_at": at}}
        )


class MessageRepository(Repository[MessageDoc]):
    name = MESSAGES
    indexes = (
        IndexModel([("conversation_id", ASCENDING), ("seq", DESCENDING)], name="conversation"),
        IndexModel([("patient_id", ASCENDING), ("sent_at", DESCENDING)], name="patient"),
        IndexModel([("professional_id", ASCENDING), ("sent_at", DESCENDING)], name="professional"),
    )

    async def page(
        self, conversation_id: str, first: int, after: Keyset | None
    ) -> Page[MessageDoc]:
        return await self.find_page(
            {"conversation_id": conversation_id}, sort_key="seq", first=first, after=after
        )

    async def add(self, doc: MessageDoc, session: AsyncClientSession) -> None:
        await self.collection.insert_one(doc, session=session)

    async def mark_read(
        self,
        conversation_id: str,
        reader_id: str,
        up_to_seq: int,
        at: datetime,
        session: AsyncClientSession,
    ) -> int:
        """Mark the others' messages up to ``up_to_seq`` read; how many were unread."""
        result = await self.collection.update_many(
            {
                "conversation_id": conversation_id,
                "seq": {"$lte": up_to_seq},
                "author.id": {"$ne": reader_id},
                "read_by.id": {"$ne": reader_id},
            },
            {"$push": {"read_by": {"id": reader_id, "at": at}}},
            session=session,
        )
        return result.modified_count

    async def unread(self, reader_id: str, scope: Mapping[str, Any]) -> int:
        """Messages within ``scope`` (a conversation, a patient's or a professional's mailbox)
        that someone other than ``reader_id`` wrote and ``reader_id`` has not read."""
        return await self.count(
            {**scope, "author.id": {"$ne": reader_id}, "read_by.id": {"$ne": reader_id}}
        )

    async def unread_by_conversation(
        self, reader_id: str, conversation_ids: Sequence[str]
    ) -> dict[str, int]:
        """Unread counts of several conversations in one round trip (for a page of them)."""
        pipeline: list[dict[str, Any]] = [
            {
                "$match": {
                    "conversation_id": {"$in": list(conversation_ids)},
                    "author.id": {"$ne": reader_id},
                    "read_by.id": {"$ne": reader_id},
                }
            },
            {"$group": {"_id": "$conversation_id", "n": {"$sum": 1}}},
        ]
        rows = cast("AsyncCollection[dict[str, Any]]", self.collection)
        cursor = await rows.aggregate(pipeline)
        return {str(row["_id"]): int(row["n"]) async for row in cursor}

    async def latest(self, conversation_id: str) -> MessageDoc | None:
        return await self.collection.find_one(
            {"conversation_id": conversation_id}, sort=[("seq", DESCENDING)]
        )


class ReceiptRepository(Repository[ReceiptDoc]):
    name = RECEIPTS
    indexes = (IndexModel([("conversation_id", ASCENDING), ("at", DESCENDING)], name="recent"),)

    async def add(self, doc: ReceiptDoc, session: AsyncClientSession) -> None:
        await self.collection.insert_one(doc, session=session)
