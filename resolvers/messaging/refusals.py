"""The codes this domain's use cases refuse with (conversations, messages and their live events).

A ``DomainError`` raised in ``resolvers/messaging/`` carries one of them (checked by
tests/resolvers/test_refusal_codes.py, which also compares this list with docs/errors.md). The SDL
keeps ``code`` a ``String``: a GraphQL enum would change the schema clients know."""

from __future__ import annotations

from enum import StrEnum


class MessagingRefusal(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    CONVERSATION_CLOSED = "CONVERSATION_CLOSED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    SUBSCRIBER_TOO_SLOW = "SUBSCRIBER_TOO_SLOW"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    RESUME_LOST = "RESUME_LOST"
    SERVICE_STOPPING = "SERVICE_STOPPING"
