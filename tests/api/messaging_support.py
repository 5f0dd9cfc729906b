"""Secure messaging through GraphQL as the demo actors: start, send, list, read."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from tests.api.documents_support import DOCS, Caller
from tests.oauth_support import PATIENT_INS, PROFESSIONAL_RPPS
from tests.tokens import TokenFactory

MSG = "messages:read messages:write"

MESSAGE = """
id number subject body sentAt closesConversation read readByCorrespondentAt attachmentCount
author { side name isMe } attachments { id title }
"""
CONVERSATION = """
id subject patientId closed archived unreadCount startedAt lastMessageAt
correspondent { id side name profession { code label } }
lastMessage { id number subject excerpt author { side name isMe } }
readMarks { side isMe upToNumber }
"""
SENT = f"""
  __typename
  ... on MessageSent {{ conversation {{ {CONVERSATION} }} sentMessage {{ {MESSAGE} }} }}
  ... on MessagingError {{ code message field }}
"""
START = f"""
mutation($input: StartConversationInput!) {{ startConversation(input: $input) {{ {SENT} }} }}
"""
SEND = f"mutation($input: SendMessageInput!) {{ sendMessage(input: $input) {{ {SENT} }} }}"
LIST = f"""
query($filter: ConversationFilterInput, $first: Int, $after: String) {{
  conversations(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {CONVERSATION} }} }}
  }}
}}
"""
MESSAGES = f"""
query($id: ID!, $first: Int, $after: String) {{
  conversation(id: $id) {{
    {CONVERSATION}
    messages(first: $first, after: $after) {{
      totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {MESSAGE} }} }}
    }}
  }}
}}
"""
CONVERSATION_RESULT = f"""
  __typename ... on Conversation {{ {CONVERSATION} }} ... on MessagingError {{ code message field }}
"""
MARK_READ = f"""
mutation($id: ID!, $upTo: ID) {{
  markConversationRead(conversationId: $id, upTo: $upTo) {{ {CONVERSATION_RESULT} }}
}}
"""
ARCHIVE = f"""
mutation($id: ID!, $archived: Boolean!) {{
  archiveConversation(conversationId: $id, archived: $archived) {{ {CONVERSATION_RESULT} }}
}}
"""
UNREAD = "query($p: ID) { unreadMessageCount(patientId: $p) }"


async def start(
    caller: Caller,
    patient_id: str,
    subject: str = "Résultats de votre bilan",
    body: str = "Bonjour, vos résultats sont normaux.",
    attachments: list[str] | None = None,
) -> dict[str, Any]:
    """The ``startConversation`` result (``MessageSent`` or ``MessagingError``)."""
    data = await caller.data(
        START,
        {
            "input": {
                "patientId": patient_id,
                "subject": subject,
                "body": body,
                "attachmentIds": attachments or [],
            }
        },
    )
    result: dict[str, Any] = data["startConversation"]
    return result


async def started(caller: Caller, patient_id: str, **kwargs: Any) -> dict[str, Any]:
    result = await start(caller, patient_id, **kwargs)
    assert result["__typename"] == "MessageSent", result
    return result


async def send(
    caller: Caller,
    conversation_id: str,
    body: str = "Merci docteur.",
    subject: str | None = None,
    attachments: list[str] | None = None,
) -> dict[str, Any]:
    data = await caller.data(
        SEND,
        {
            "input": {
                "conversationId": conversation_id,
                "body": body,
                "subject": subject,
                "attachmentIds": attachments or [],
            }
        },
    )
    result: dict[str, Any] = data["sendMessage"]
    return result


async def sent(caller: Caller, conversation_id: str, **kwargs: Any) -> dict[str, Any]:
    result = await send(caller, conversation_id, **kwargs)
    assert result["__typename"] == "MessageSent", result
    return result


async def listed(caller: Caller, **filters: Any) -> dict[str, Any]:
    data = await caller.data(LIST, {"filter": filters or None, "first": 50})
    connection: dict[str, Any] = data["conversations"]
    return connection


async def subjects(caller: Caller, **filters: Any) -> list[str]:
    return [edge["node"]["subject"] for edge in (await listed(caller, **filters))["edges"]]


async def conversation(caller: Caller, conversation_id: str) -> dict[str, Any]:
    data = await caller.data(MESSAGES, {"id": conversation_id, "first": 50})
    found: dict[str, Any] = data["conversation"]
    return found


async def camille(make: TokenFactory, http: httpx.AsyncClient, scope: str = MSG) -> Caller:
    return Caller(http, await make(ActorKind.PATIENT, PATIENT_INS, f"{scope} {DOCS}"))


async def doctor(
    make: TokenFactory, http: httpx.AsyncClient, rpps: str = PROFESSIONAL_RPPS, scope: str = MSG
) -> Caller:
    return Caller(http, await make(ActorKind.PROFESSIONAL, rpps, f"{scope} {DOCS}"))


def events_of(app: Starlette) -> Any:
    """The access history collection, to check what was traced."""
    return app.state.services.running.stores.access_events.collection
