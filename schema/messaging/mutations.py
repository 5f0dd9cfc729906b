"""Secure messaging mutations: start a conversation, send, mark read, archive. Each answers its
result or a ``MessagingError`` with a code (``NOT_FOUND``, ``FORBIDDEN``, ``BAD_USER_INPUT``,
``CONVERSATION_CLOSED``…)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, TypeAlias

import strawberry

from resolvers.core.actors import Actor
from resolvers.messaging import writes as messaging
from resolvers.messaging.writes import Draft
from schema.core.context import Info
from schema.core.permissions import scoped
from schema.core.refusals import Refusal, refusing
from schema.messaging.types import Conversation, Message, conversations_for
from schema.spaces.types import actor
from storage.messages import ConversationDoc, MessageDoc


@strawberry.type(description="A refused messaging operation, with a code to act on.")
class MessagingError(Refusal):
    pass


@strawberry.type(description="The conversation as it is now, and the message just sent.")
class MessageSent:
    conversation: Conversation
    sent_message: Message


@strawberry.input(description="A professional's first message to a patient.")
class StartConversationInput:
    patient_id: strawberry.ID
    subject: str
    body: str
    attachment_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Documents of the patient's record, deposited first (`depositDocument`).",
    )


@strawberry.input(description="A message in a conversation you take part in.")
class SendMessageInput:
    conversation_id: strawberry.ID
    body: str
    subject: str | None = strawberry.field(
        default=None, description="`[FIN]`, from the professional, ends the conversation."
    )
    attachment_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


MessageSentResult: TypeAlias = Annotated[
    MessageSent | MessagingError, strawberry.union("MessageSentResult")
]
ConversationResult: TypeAlias = Annotated[
    Conversation | MessagingError, strawberry.union("ConversationResult")
]


async def _sent(
    info: Info, sender: Actor, work: Awaitable[tuple[ConversationDoc, MessageDoc]]
) -> MessageSent:
    conversation, message = await work
    return MessageSent(
        conversation=(await conversations_for(info, [conversation], sender))[0],
        sent_message=Message.from_doc(message, sender),
    )


@strawberry.type
class MessagingMutations:
    @strawberry.mutation(
        extensions=[scoped("messages:write")],
        description="A professional starts a conversation with a patient who has not blocked them.",
    )
    @refusing(MessagingError)
    async def start_conversation(
        self, info: Info, input: StartConversationInput
    ) -> MessageSentResult | None:
        ctx, sender = info.context, actor(info)
        draft = Draft(body=input.body, subject=input.subject, attachment_ids=input.attachment_ids)
        return await _sent(
            info,
            sender,
            ctx.cases.configured(messaging.start_conversation, input.patient_id, draft),
        )

    @strawberry.mutation(
        extensions=[scoped("messages:write")],
        description="Send a message in a conversation you take part in (the patient side "
        "replies; the professional may end it with the subject `[FIN]`).",
    )
    @refusing(MessagingError)
    async def send_message(self, info: Info, input: SendMessageInput) -> MessageSentResult | None:
        ctx, sender = info.context, actor(info)
        draft = Draft(body=input.body, subject=input.subject, attachment_ids=input.attachment_ids)
        return await _sent(
            info,
            sender,
            ctx.cases.configured(messaging.send_message, input.conversation_id, draft),
        )

    @strawberry.mutation(
        extensions=[scoped("messages:read")],
        description="Mark the conversation read up to a message (default: the latest); the "
        "other side gets a read receipt.",
    )
    @refusing(MessagingError)
    async def mark_conversation_read(
        self, info: Info, conversation_id: strawberry.ID, up_to: strawberry.ID | None = None
    ) -> ConversationResult | None:
        ctx, reader = info.context, actor(info)
        doc, _ = await ctx.cases.timed(messaging.mark_read, reader, conversation_id, up_to)
        return (await conversations_for(info, [doc], reader))[0]

    @strawberry.mutation(
        extensions=[scoped("messages:read")],
        description="The patient side files a conversation away (or back to the inbox).",
    )
    @refusing(MessagingError)
    async def archive_conversation(
        self, info: Info, conversation_id: strawberry.ID, archived: bool = True
    ) -> ConversationResult | None:
        ctx, who = info.context, actor(info)
        doc = await ctx.cases.timed(messaging.set_archived, who, conversation_id, archived)
        return (await conversations_for(info, [doc], who))[0]
