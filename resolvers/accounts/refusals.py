"""The codes this domain's use cases refuse with (logins, people, OAuth clients).

A ``DomainError`` raised in ``resolvers/accounts/`` carries one of them (checked by
tests/resolvers/test_refusal_codes.py, which also compares this list with docs/errors.md). The SDL
keeps ``code`` a ``String``: a GraphQL enum would change the schema clients know."""

from __future__ import annotations

from enum import StrEnum


class AccountsRefusal(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    LOGIN_LOCKED = "LOGIN_LOCKED"
