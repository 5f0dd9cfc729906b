"""Expected failures of the use cases: their messages are safe to show to the caller.

Anything else a resolver raises is a bug or an outage, and reaches clients only as a masked
error carrying a request id.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A failure the caller can act on. ``code`` goes to ``extensions.code``."""

    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def extensions(self) -> dict[str, object]:
        """What goes to ``extensions`` besides the code."""
        return {} if self.field is None else {"field": self.field}


class InvalidInput(DomainError):
    """An argument is malformed or out of range; ``field`` names it."""

    code = "BAD_USER_INPUT"


class NotFound(DomainError):
    """Nothing the caller may see has that identifier (whether or not it exists)."""

    code = "NOT_FOUND"


class Conflict(DomainError):
    code = "CONFLICT"


class Unauthenticated(DomainError):
    """The field needs a valid access token and the request has none."""

    code = "UNAUTHENTICATED"


class InsufficientScope(DomainError):
    """The token lacks scopes the field needs; ``missing`` names them."""

    code = "INSUFFICIENT_SCOPE"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"This field needs the scope(s): {' '.join(missing)}")
        self.missing = missing

    def extensions(self) -> dict[str, object]:
        return {"missingScopes": self.missing}


class Forbidden(DomainError):
    """The actor may not do this (and may know that the thing exists)."""

    code = "FORBIDDEN"
