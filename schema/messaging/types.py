"""Secure messaging as GraphQL: conversations, messages, correspondents, and the mailbox list.

What a reader sees of the other side is a name and, for a professional, the profession: never
an address (DOMAIN: Secure messaging).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from resolvers.core.actors import Actor
from resolvers.core.terminology import CodeList, terminology
from resolvers.messaging import reads as conversation_reads
from resolvers.messaging.reads import ConversationFilter
from schema.core.context import Info
from schema.core.pagination import Connection, connection
from schema.core.permissions import scoped
from schema.core.selection import selects
from schema.documents.types import Document
from schema.service.terminology import Concept
from schema.spaces.types import actor
from storage.messages import ConversationDoc, LastMessageDoc, MessageDoc
from storage.profile import AuthorDoc


@strawberry.enum(description="Which side of a conversation someone is on.")
class Side(Enum):
    PATIENT = "patient"
    PROFESSIONAL = "professional"


@strawberry.type(description="The other side of a conversation: a name, never an address.")
class Correspondent:
    id: strawberry.ID
    side: Side
    name: str
    profession: Concept | None = strawberry.field(description="A professional's (TRE_G15).")


@strawberry.type(description="Who wrote a message, or read one.")
class Participant:
    side: Side
    name: str
    is_me: bool

    @classmethod
    def of(cls, author: AuthorDoc, viewer: Actor) -> Participant:
        side = Side.PROFESSIONAL if author["kind"] == "professional" else Side.PATIENT
        return cls(side=side, name=author["name"], is_me=author["id"] == viewer.id)


@strawberry.type(description="Where one participant has read up to.")
class ReadMark:
    side: Side
    is_me: bool
    up_to_number: int
    at: datetime


def _read_by_correspondent_at(doc: MessageDoc, viewer: Actor) -> datetime | None:
    professional = doc["professional_id"]
    on_my_side = viewer.id == professional
    times = [r["at"] for r in doc["read_by"] if (r["id"] == professional) != on_my_side]
    return min(times) if times else None


@strawberry.type(description="One message of a conversation.")
class Message:
    """Plain attributes, filled once from the record (a page of messages resolves each field by
    a lookup); only the attachments, which need the access policy, are resolved on demand."""

    id: strawberry.ID
    doc: strawberry.Private[MessageDoc]
    viewer: strawberry.Private[Actor]
    number: int = strawberry.field(description="Its place in the conversation: 1, 2, 3…")
    conversation_id: strawberry.ID
    subject: str | None
    body: str
    sent_at: datetime
    author: Participant
    closes_conversation: bool = strawberry.field(
        description="A professional's `[FIN]`: the conversation ended with it."
    )
    read: bool = strawberry.field(
        description="Whether you have read it (always true for your own)."
    )
    read_by_correspondent_at: datetime | None = strawberry.field(
        description="When the other side first read it (null: not yet)."
    )
    attachment_count: int = strawberry.field(
        description="How many documents were attached, whether you may read them."
    )

    @strawberry.field(
        description="The attached documents you may read under the access policy, with a "
        "token carrying `documents:read` (none without it; fetch the bytes through "
        "`Document.contentPath` or `documentDownloadUrl`)."
    )
    async def attachments(self, info: Info) -> list[Document]:
        if self.viewer.missing_scopes(["documents:read"]):
            return []  # a document is reached with the documents scope, whatever the path
        cases = info.context.cases
        docs = await cases.timed(
            conversation_reads.visible_attachments,
            cases.config,
            self.viewer,
            self.doc["patient_id"],
            self.doc["attachments"],
        )
        return [Document.from_doc(doc) for doc in docs]

    @classmethod
    def from_doc(cls, doc: MessageDoc, viewer: Actor) -> Message:
        me = viewer.id
        return cls(
            id=strawberry.ID(doc["_id"]),
            doc=doc,
            viewer=viewer,
            number=doc["seq"],
            conversation_id=strawberry.ID(doc["conversation_id"]),
            subject=doc["subject"],
            body=doc["body"],
            sent_at=doc["sent_at"],
            author=Participant.of(doc["author"], viewer),
            closes_conversation=bool(doc.get("closes")),
            read=doc["author"]["id"] == me or any(r["id"] == me for r in doc["read_by"]),
            read_by_correspondent_at=_read_by_correspondent_at(doc, viewer),
            attachment_count=len(doc["attachments"]),
        )


@strawberry.type(description="The latest message, as a mailbox list shows it.")
class MessageSummary:
    id: strawberry.ID
    number: int
    subject: str | None
    excerpt: str
    sent_at: datetime
    author: Participant

    @classmethod
    def of(cls, doc: LastMessageDoc, viewer: Actor) -> MessageSummary:
        return cls(
            id=strawberry.ID(doc["id"]),
            number=doc["seq"],
            subject=doc["subject"],
            excerpt=doc["excerpt"],
            sent_at=doc["sent_at"],
            author=Participant.of(doc["author"], viewer),
        )


async def conversations_for(
    info: Info, docs: list[ConversationDoc], viewer: Actor
) -> list[Conversation]:
    """The conversations as the viewer sees them, with their unread counts (one query for all
    of them) when the selection asks for them."""
    counts: dict[str, int] = {}
    if docs and selects(info, "unreadCount"):
        ids = [doc["_id"] for doc in docs]
        counts = await info.context.cases.read(conversation_reads.unread_counts, viewer, ids)
    return [Conversation.from_doc(doc, viewer, counts.get(doc["_id"], 0)) for doc in docs]


def _correspondent(doc: ConversationDoc, viewer: Actor) -> Correspondent:
    if viewer.id == doc["professional_id"]:
        return Correspondent(
            id=strawberry.ID(doc["patient_id"]), side=Side.PATIENT,
            name=doc["patient_name"], profession=None,
        )  # fmt: skip
    code = doc["profession_code"]
    profession = terminology(CodeList.PROFESSIONS).get(code) if code else None
    return Correspondent(
        id=strawberry.ID(doc["professional_id"]), side=Side.PROFESSIONAL,
        name=doc["professional_name"],
        profession=Concept.from_record(profession) if profession else None,
    )  # fmt: skip


def _read_marks(doc: ConversationDoc, viewer: Actor) -> list[ReadMark]:
    professional = doc["professional_id"]
    return [
        ReadMark(
            side=Side.PROFESSIONAL if reader == professional else Side.PATIENT,
            is_me=reader == viewer.id,
            up_to_number=mark["seq"],
            at=mark["at"],
        )
        for reader, mark in sorted(doc["reads"].items(), key=lambda kv: kv[1]["at"])
    ]


@strawberry.type(description="An exchange a professional started with a patient.")
class Conversation:
    """Plain attributes from the record, which holds the last message's summary and the
    correspondents' names: a mailbox page needs no query per conversation, but one for the
    unread counts of the whole page."""

    id: strawberry.ID
    doc: strawberry.Private[ConversationDoc]
    viewer: strawberry.Private[Actor]
    subject: str = strawberry.field(description="The first message's subject.")
    patient_id: strawberry.ID
    started_at: datetime
    last_message_at: datetime
    last_message: MessageSummary
    closed: bool = strawberry.field(
        description="Ended by the professional's `[FIN]`: nothing more is sent."
    )
    closed_at: datetime | None
    archived: bool = strawberry.field(
        description="Filed away by the patient (a new message brings it back)."
    )
    correspondent: Correspondent = strawberry.field(description="The other side, as you see them.")
    read_marks: list[ReadMark] = strawberry.field(
        description="Where each participant has read up to."
    )
    unread_count: int = strawberry.field(description="Messages you have not read.")

    @strawberry.field(
        extensions=[scoped("messages:read")],
        description="The messages, the latest first. Reading them is traced.",
    )
    async def messages(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Message] | None:
        page, count = await info.context.cases.timed(
            conversation_reads.list_messages, self.viewer, self.doc["_id"], first=first, after=after
        )
        return connection(
            [Message.from_doc(doc, self.viewer) for doc in page.items], page.items,
            sort_key="seq", has_next=page.has_next, after=after, count=count,
        )  # fmt: skip

    @classmethod
    def from_doc(cls, doc: ConversationDoc, viewer: Actor, unread: int) -> Conversation:
        """``unread``: the count when the selection asks for it (``conversations_for``)."""
        return cls(
            id=strawberry.ID(doc["_id"]),
            doc=doc,
            viewer=viewer,
            subject=doc["subject"],
            patient_id=strawberry.ID(doc["patient_id"]),
            started_at=doc["started_at"],
            last_message_at=doc["last_message_at"],
            last_message=MessageSummary.of(doc["last_message"], viewer),
            closed=doc["closed_at"] is not None,
            closed_at=doc["closed_at"],
            archived=doc["patient_archived_at"] is not None,
            correspondent=_correspondent(doc, viewer),
            read_marks=_read_marks(doc, viewer),
            unread_count=unread,
        )


@strawberry.input(description="Which conversations: every condition set must hold.")
class ConversationFilterInput:
    patient_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Whose mailbox: for a legal representative, the represented person's "
        "(default: your own); for a professional, only the conversations with this patient.",
    )
    correspondent: str | None = strawberry.field(
        default=None, description="The start of a word of the other side's name (accents ignored)."
    )
    archived: bool | None = strawberry.field(
        default=None, description="The patient's side: the archive instead of the inbox."
    )

    def checked(self) -> ConversationFilter:
        return ConversationFilter(self.patient_id, self.correspondent, self.archived)


@strawberry.type
class MessagingQuery:
    @strawberry.field(
        extensions=[scoped("messages:read")],
        description="Your conversations, the latest message first.",
    )
    async def conversations(
        self,
        info: Info,
        filter: ConversationFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Conversation] | None:
        ctx, viewer = info.context, actor(info)
        page, count = await ctx.cases.timed(
            conversation_reads.list_conversations,
            viewer,
            (filter or ConversationFilterInput()).checked(),
            first,
            after,
        )
        return connection(
            await conversations_for(info, page.items, viewer), page.items,
            sort_key="last_message_at", has_next=page.has_next, after=after, count=count,
        )  # fmt: skip

    @strawberry.field(
        extensions=[scoped("messages:read")],
        description="One conversation you take part in (null with NOT_FOUND otherwise).",
    )
    async def conversation(self, info: Info, id: strawberry.ID) -> Conversation | None:
        ctx, viewer = info.context, actor(info)
        doc, _ = await ctx.cases.timed(conversation_reads.get_conversation, viewer, id)
        return (await conversations_for(info, [doc], viewer))[0]

    @strawberry.field(
        extensions=[scoped("messages:read")],
        description="Messages you have not read: in all your conversations (a professional), or "
        "in one mailbox (the patient side: your own by default).",
    )
    async def unread_message_count(
        self, info: Info, patient_id: strawberry.ID | None = None
    ) -> int | None:
        return await info.context.cases.run(conversation_reads.unread_total, patient_id)
