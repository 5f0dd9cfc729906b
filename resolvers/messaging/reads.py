"""Secure messaging, the reads: the mailbox list, one conversation, its messages, unread counts
and the attachments a reader may see.

The filters that keep what a reader may not see are in the queries, so pages, counts and totals
hold nothing else: a professional's list leaves out the patients who blocked them and the spaces
that are no longer open; the patient side sees one patient's mailbox (the holder's own, or a
represented person's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from resolvers.access.policy import OPEN, document_filter, standing_of
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import InvalidInput
from resolvers.core.pagination import decode_cursor, page_size
from resolvers.core.text import prefix_query
from resolvers.documents.rules import DocumentConfig
from resolvers.messaging._access import Mailbox, open_conversation, open_mailbox
from storage.documents import DocumentDoc
from storage.messages import ConversationDoc, MessageDoc
from storage.repository import Page
from storage.stores import Stores

Counted = tuple[Page[Any], Callable[[], Awaitable[int]]]


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    patient_id: str | None = None  # the patient side: whose mailbox (default: the holder's own)
    correspondent: str | None = None  # the start of a word of the other side's name
    archived: bool | None = None  # the patient side: the inbox (default) or the archive


async def _closed_to(stores: Stores, professional_id: str) -> list[str]:
    """The patients whose conversations a professional no longer reads: blocked, or no open
    space (closed, suspended, deleted)."""
    blocked = await stores.authorisations.blocked_for(professional_id)
    correspondents = await stores.conversations.patients_of(professional_id)
    closed = await stores.patients.without_status(correspondents, list(OPEN))
    return sorted(set(blocked) | set(closed))


async def _scope(
    stores: Stores, clock: Clock, actor: Actor, filters: ConversationFilter
) -> dict[str, Any]:
    """The query of the conversations ``actor`` lists with ``filters``; traced."""
    if actor.kind is ActorKind.PROFESSIONAL:
        if filters.archived is not None:
            raise InvalidInput("archiving is the patient's side only", field="archived")
        query: dict[str, Any] = {"professional_id": actor.id}
        if filters.patient_id is not None:
            await open_mailbox(stores, clock, actor, filters.patient_id, "conversations.list")
            query["patient_id"] = filters.patient_id
        else:
            query["patient_id"] = {"$nin": await _closed_to(stores, actor.id)}
        keys = "patient_keys"
    else:
        patient_id = filters.patient_id or actor.id
        await open_mailbox(stores, clock, actor, patient_id, "conversations.list")
        archived = filters.archived or False
        query = {
            "patient_id": patient_id,
            "patient_archived_at": {"$ne": None} if archived else None,
        }
        keys = "professional_keys"
    if filters.correspondent is not None:
        query.update(prefix_query(filters.correspondent, keys, argument="correspondent"))
    return query


async def list_conversations(  # noqa: PLR0917 - a connection's arguments
    stores: Stores,
    clock: Clock,
    actor: Actor,
    filters: ConversationFilter,
    first: int | None,
    after: str | None,
) -> Counted:
    """The conversations, the latest message first, and how to count them all."""
    size, keyset = page_size(first), decode_cursor(after)
    query = await _scope(stores, clock, actor, filters)
    page = await stores.conversations.page(query, size, keyset)
    if actor.kind is ActorKind.PROFESSIONAL and filters.patient_id is None:
        # one trace per patient whose conversations the page shows
        for patient_id in dict.fromkeys(doc["patient_id"] for doc in page.items):
            await trace(
                stores, clock, actor, patient_id=patient_id, action="conversations.list",
                target=("mailbox", patient_id),
            )  # fmt: skip

    async def count() -> int:
        return await stores.conversations.count(query)

    return page, count


async def get_conversation(
    stores: Stores, clock: Clock, actor: Actor, conversation_id: str
) -> tuple[ConversationDoc, Mailbox]:
    return await open_conversation(stores, clock, actor, conversation_id, "conversation.open")


async def list_messages(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    conversation_id: str,
    *,
    first: int | None,
    after: str | None,
) -> Counted:
    """A conversation's messages, the latest first; reading them is traced."""
    size, keyset = page_size(first), decode_cursor(after)
    await open_conversation(stores, clock, actor, conversation_id, "conversation.read")
    page: Page[MessageDoc] = await stores.messages.page(conversation_id, size, keyset)

    async def count() -> int:
        return await stores.messages.count({"conversation_id": conversation_id})

    return page, count


async def unread_counts(
    stores: Stores, actor: Actor, conversation_ids: Sequence[str]
) -> dict[str, int]:
    """For conversations the actor was allowed to list: how many messages they have not read."""
    return await stores.messages.unread_by_conversation(actor.id, conversation_ids)


async def unread_total(stores: Stores, clock: Clock, actor: Actor, patient_id: str | None) -> int:
    """Unread messages across the actor's conversations (a professional's) or one mailbox."""
    query = await _scope(stores, clock, actor, ConversationFilter(patient_id=patient_id))
    scope: dict[str, Any] = {
        "patient_id": query["patient_id"],
        **({"professional_id": actor.id} if actor.kind is ActorKind.PROFESSIONAL else {}),
    }
    return await stores.messages.unread(actor.id, scope)


async def visible_attachments(  # noqa: PLR0917 - the access's facts
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    patient_id: str,
    ids: Sequence[str],
) -> list[DocumentDoc]:
    """The attachments ``actor`` may read under the access policy, as in the record itself (the
    caller has already opened the conversation, which traced the read)."""
    if not ids:
        return []
    patient = await stores.patients.get(patient_id)
    if patient is None:
        return []
    standing = await standing_of(stores, clock, actor, patient)
    if not standing.allowed:
        return []
    query: dict[str, Any] = {
        "_id": {"$in": list(ids)},
        "patient_id": patient_id,
        "status": {"$in": ["available", "replaced"]},
    }
    readable = {"$and": [query, document_filter(standing, actor, config.matrix)]}
    found = {doc["_id"]: doc for doc in await stores.documents.list_where(readable)}
    return [found[id_] for id_ in ids if id_ in found]
