"""The codes this domain's use cases refuse with (authorisations, objections, emergency
access, the access history).

A ``DomainError`` raised in ``resolvers/access/`` carries one of them (checked by
tests/resolvers/test_refusal_codes.py, which also compares this list with docs/errors.md). The SDL
keeps ``code`` a ``String``: a GraphQL enum would change the schema clients know."""

from __future__ import annotations

from enum import StrEnum


class AccessRefusal(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"  # lookups by INS that found nobody, per source
