"""Live messaging over ``graphql-transport-ws``: new messages and read receipts as they are
committed, through whichever replica they were sent. Each event has a ``cursor``: subscribe again
with ``after`` set to the last one received and nothing is lost or repeated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, TypeAlias, cast

import strawberry

from resolvers.core.actors import Actor
from resolvers.messaging import events as message_events
from resolvers.messaging.events import Started
from schema.core.context import Info
from schema.core.permissions import scoped
from schema.messaging.types import Message, Participant
from schema.spaces.types import actor
from storage.message_feed import FeedEvent
from storage.messages import MessageDoc, ReceiptDoc


@strawberry.type(description="A new message in one of your conversations (yours included).")
class MessageReceived:
    cursor: str = strawberry.field(description="Resume after this event with `after`.")
    conversation_id: strawberry.ID
    message: Message


@strawberry.type(description="Someone read a conversation up to a message (a read receipt).")
class MessagesRead:
    cursor: str
    conversation_id: strawberry.ID
    reader: Participant
    up_to_message_id: strawberry.ID
    up_to_number: int
    at: datetime


@strawberry.type(
    description="The first event of a subscription without `after`: keep its cursor, and a "
    "connection that drops before any message arrives resumes from it without loss."
)
class MessagingStarted:
    cursor: str


MessagingEvent: TypeAlias = Annotated[
    MessagingStarted | MessageReceived | MessagesRead, strawberry.union("MessagingEvent")
]


def _event(
    event: FeedEvent | Started, viewer: Actor
) -> MessagingStarted | MessageReceived | MessagesRead:
    if isinstance(event, Started):
        return MessagingStarted(cursor=event.position)
    conversation_id = strawberry.ID(event.doc["conversation_id"])
    if event.kind == "message":
        message = cast("MessageDoc", event.doc)
        return MessageReceived(
            cursor=event.position,
            conversation_id=conversation_id,
            message=Message.from_doc(message, viewer),
        )
    receipt = cast("ReceiptDoc", event.doc)
    return MessagesRead(
        cursor=event.position,
        conversation_id=conversation_id,
        reader=Participant.of(receipt["reader"], viewer),
        up_to_message_id=strawberry.ID(receipt["up_to_message_id"]),
        up_to_number=receipt["up_to_seq"],
        at=receipt["at"],
    )


@strawberry.type
class MessagingSubscription:
    @strawberry.subscription(
        extensions=[scoped("messages:read")],
        description="New messages and read receipts of your conversations, as they happen: a "
        "professional's, or the patient side's (your own mailbox and those of the people you "
        "represent, or the one `patientId` names). With `after` (the `cursor` of the last event "
        "received), what was sent since is replayed first. Ends when the access token expires.",
    )
    async def messaging_events(
        self, info: Info, after: str | None = None, patient_id: strawberry.ID | None = None
    ) -> AsyncIterator[MessagingEvent]:
        ctx, viewer = info.context, actor(info)
        if ctx.hub is None:
            raise RuntimeError("the message hub is not running")
        events = await ctx.cases.timed(
            message_events.subscribe, ctx.hub, viewer, after=after, patient_id=patient_id
        )
        async for event in events:
            yield _event(event, viewer)
