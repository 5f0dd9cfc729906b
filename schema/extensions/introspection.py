"""Who may introspect the schema (``__schema``, ``__type``): everyone, authenticated callers
only, or nobody; ``__typename`` always answers, clients need it.

The schema of this API is public (the code is open, ``docs/scopes.md`` lists every field), so
hiding it is not about secrecy: it takes away from anonymous scanners the map they use to write
hostile queries, at no cost to an integrator, who holds a token from a registered OAuth client.
The decision depends on the caller, so it cannot be a validation rule (validation is cached per
document, whoever sends it): it runs after validation, like the cost limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from graphql import DocumentNode, FieldNode, GraphQLError, Visitor, visit
from graphql.language import BREAK
from strawberry.extensions import SchemaExtension

from schema.core.error_codes import ErrorCode

IntrospectionPolicy = Literal["on", "authenticated", "off"]
_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
_MENTIONED = re.compile(r"__(?:schema|type)\b")  # not __typename


class _Finder(Visitor):
    found = False

    def enter_field(self, node: FieldNode, *_: object) -> object:
        if node.name.value in _INTROSPECTION_FIELDS:
            self.found = True
            return BREAK
        return None


def asks_introspection(document: DocumentNode, query: str | None = None) -> bool:
    """Whether the document selects ``__schema`` or ``__type``; when its text is given and does
    not even mention them (nearly always), the document is not walked."""
    if query is not None and not _MENTIONED.search(query):
        return False
    finder = _Finder()
    visit(document, finder)
    return finder.found


class IntrospectionGuard(SchemaExtension):
    """Refuses ``__schema`` and ``__type`` with ``INTROSPECTION_DISABLED`` where the policy says
    so; ``authenticated`` admits any request whose bearer token was accepted."""

    def __init__(self, *, policy: IntrospectionPolicy) -> None:
        super().__init__()
        self.policy = policy

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if (
            self.policy != "on"
            and not context.pre_execution_errors
            and document is not None
            and asks_introspection(document, context.query)
        ):
            actor = getattr(context.context, "actor", None)
            if self.policy == "off" or actor is None:
                who = "anyone" if self.policy == "off" else "callers without an access token"
                context.pre_execution_errors = [
                    GraphQLError(
                        f"Introspection is disabled for {who} on this server; the schema is "
                        "documented in docs/scopes.md.",
                        extensions={"code": ErrorCode.INTROSPECTION_DISABLED},
                    )
                ]
        yield
