"""``docs/scopes.md``, generated from the schema's ``@requiresScopes`` directives.

``espace-sante scopes-doc`` rewrites the file; a test fails when it is out of date.
"""

from __future__ import annotations

from collections import defaultdict

from graphql import (
    FieldDefinitionNode,
    ListValueNode,
    ObjectTypeDefinitionNode,
    StringValueNode,
    parse,
)
from strawberry import Schema

from resolvers.access.scopes import SCOPES
from resolvers.core.actors import ActorKind

KIND_LABELS = {
    ActorKind.PATIENT: "patient",
    ActorKind.PROFESSIONAL: "professional",
    ActorKind.APP: "app",
    ActorKind.OPERATOR: "operator",
}


def guarded_fields(schema: Schema) -> dict[str, list[str]]:
    """Scope name → the ``Type.field``s that require it, read from the printed schema."""
    fields: dict[str, list[str]] = defaultdict(list)
    for definition in parse(schema.as_str()).definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode):
            continue
        for field in definition.fields or ():
            for scope in _required(field):
                fields[scope].append(f"{definition.name.value}.{field.name.value}")
    return {scope: sorted(names) for scope, names in fields.items()}


def _required(field: FieldDefinitionNode) -> list[str]:
    for directive in field.directives or ():
        if directive.name.value != "requiresScopes":
            continue
        for argument in directive.arguments or ():
            if isinstance(argument.value, ListValueNode):
                return [v.value for v in argument.value.values if isinstance(v, StringValueNode)]
    return []


def render(schema: Schema) -> str:
    guarded = guarded_fields(schema)
    lines = [
        "# OAuth scopes",
        "",
        "Generated from the schema by `espace-sante scopes-doc`; do not edit by hand.",
        "",
        "A token carries the scopes the person (or, for client credentials, the operator) "
        "consented to, within what its client is registered for and what its kind of actor may "
        "ever hold. A field marked `@requiresScopes` answers `null` with an error "
        "`INSUFFICIENT_SCOPE` (listing `missingScopes`) when the token lacks one, and "
        "`UNAUTHENTICATED` without a token; the rest of the response still resolves.",
        "",
        "| Scope | What it allows | Who may hold it | Fields |",
        "|---|---|---|---|",
    ]
    for scope in SCOPES:
        kinds = ", ".join(KIND_LABELS[kind] for kind in ActorKind if kind in scope.kinds)
        fields = ", ".join(f"`{name}`" for name in guarded.get(scope.name, [])) or "—"
        lines.append(f"| `{scope.name}` | {scope.description} | {kinds} | {fields} |")
    lines += ["", "Consent page wording (French), per scope:", ""]
    lines += [f"- `{scope.name}`: {scope.consent}" for scope in SCOPES]
    return "\n".join(lines) + "\n"
