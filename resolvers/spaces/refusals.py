"""The codes this domain's use cases refuse with (objection, activation, closing, deletion,
suspension, representatives).

A ``DomainError`` raised in ``resolvers/spaces/`` carries one of them (checked by
tests/resolvers/test_refusal_codes.py, which also compares this list with docs/errors.md). The SDL
keeps ``code`` a ``String``: a GraphQL enum would change the schema clients know."""

from __future__ import annotations

from enum import StrEnum


class SpacesRefusal(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED_NOW = "NOT_ALLOWED_NOW"
    INVALID_CODE = "INVALID_CODE"
    CODE_EXPIRED = "CODE_EXPIRED"
    CODES_LOCKED = "CODES_LOCKED"
