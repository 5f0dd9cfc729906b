"""The codes this domain's use cases refuse with (deposits, uploads, protections, exports, imports).

A ``DomainError`` raised in ``resolvers/documents/`` carries one of them (checked by
tests/resolvers/test_refusal_codes.py, which also compares this list with docs/errors.md). The SDL
keeps ``code`` a ``String``: a GraphQL enum would change the schema clients know."""

from __future__ import annotations

from enum import StrEnum


class DocumentsRefusal(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    CONFLICT = "CONFLICT"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
