"""Fields declare the scopes they need; the schema shows them as ``@requiresScopes``, and in
the field's description too, since introspection (GraphiQL, codegen from a live endpoint) does
not carry which directives a field uses. Both come from the one declaration,
``scoped("documents:read")``, that also enforces them.

Without a token the field is ``null`` with ``UNAUTHENTICATED``; with a token lacking a scope it
is ``null`` with ``INSUFFICIENT_SCOPE`` and ``missingScopes``. Either way the rest of the response
resolves: every guarded field is nullable.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location
from strawberry.types.field import StrawberryField

from resolvers.access.scopes import BY_NAME
from resolvers.core.errors import InsufficientScope, Unauthenticated
from schema.core.context import Info


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requiresScopes",
    description="The OAuth scopes an access token must carry, all of them, to read this field.",
)
class RequiresScopesDirective:
    scopes: list[str]


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="authenticated",
    description="Needs an access token, whatever its scopes.",
)
class AuthenticatedDirective:
    pass


class RequiresScopes(BasePermission):
    def __init__(self, *scopes: str) -> None:
        unknown = [scope for scope in scopes if scope not in BY_NAME]
        if unknown or not scopes:
            raise ValueError(f"not in the scope vocabulary: {unknown}")
        self.scopes = scopes
        self._directive = RequiresScopesDirective(scopes=list(scopes))

    @property
    def schema_directive(self) -> object:
        return self._directive

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        actor = info.context.actor
        if actor is None:
            raise Unauthenticated("This field needs an access token.")
        missing = actor.missing_scopes(self.scopes)
        if missing:
            raise InsufficientScope(missing)
        return True


class IsAuthenticated(BasePermission):
    _schema_directive = AuthenticatedDirective()

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if info.context.actor is None:
            raise Unauthenticated("This field needs an access token.")
        return True


def scopes_note(scopes: tuple[str, ...]) -> str:
    """The sentence a guarded field's description ends with."""
    names = ", ".join(f"`{scope}`" for scope in scopes)
    if len(scopes) == 1:
        return f"Requires an access token with the scope {names}."
    return f"Requires an access token with all of the scopes {names}."


AUTHENTICATED_NOTE = "Requires an access token, whatever its scopes."


class DescribedPermission(PermissionExtension):
    """A permission extension that also says, in the field's description, what it requires."""

    def __init__(self, permission: BasePermission, note: str) -> None:
        super().__init__(permissions=[permission], use_directives=True)
        self.note = note

    def apply(self, field: StrawberryField) -> None:
        super().apply(field)
        # Idempotent: the field object is shared by every schema built from it.
        description = field.description or ""
        if not description.endswith(self.note):
            field.description = f"{description}\n\n{self.note}" if description else self.note


def scoped(*scopes: str) -> PermissionExtension:
    """The field extension for ``@strawberry.field(extensions=[scoped("documents:read")])``."""
    return DescribedPermission(RequiresScopes(*scopes), scopes_note(scopes))


def authenticated() -> PermissionExtension:
    return DescribedPermission(IsAuthenticated(), AUTHENTICATED_NOTE)
