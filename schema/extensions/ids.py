"""Malformed ``ID`` inputs, refused before any resolver sees them.

Record ids are 24 hexadecimal characters; client and operator ids are short ASCII names. An
empty string, a kilobyte of text or a control character is therefore no identifier of this API:
it is answered ``BAD_USER_INPUT`` naming the argument or variable, instead of travelling down to
storage (where an empty id once reached the access history's validator and came back as an
internal error). A well-formed id that matches nothing still gets each field's ``NOT_FOUND``.

graphql-core does not let a schema redefine the ``ID`` scalar, so the check walks the operation
after validation: literal arguments with their declared types (through input objects, lists and
fragments, each fragment once) and the variables with the types they were declared with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    get_named_type,
    get_operation_ast,
    type_from_ast,
)
from strawberry.extensions import SchemaExtension

from schema.core.error_codes import ErrorCode
from schema.extensions.caching import BoundedCache, DocumentCaches

_WELL_FORMED = re.compile(r"[A-Za-z0-9._~:-]{1,128}", re.ASCII)


def well_formed_id(value: object) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and _WELL_FORMED.fullmatch(value) is not None


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _bad_value(type_: GraphQLInputType, value: object) -> bool:
    """Whether a variable's value holds a malformed id anywhere inside."""
    type_ = _unwrap(type_)
    if value is None:
        return False
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        return any(_bad_value(type_.of_type, item) for item in items)
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, Mapping):
            return False
        return any(
            _bad_value(field.type, value.get(name))
            for name, field in type_.fields.items()
            if name in value
        )
    return getattr(type_, "name", None) == "ID" and not well_formed_id(value)


def _bad_literal(type_: GraphQLInputType, node: ValueNode) -> bool:
    """Whether a literal holds a malformed id (variables inside it are checked as variables)."""
    type_ = _unwrap(type_)
    if isinstance(type_, GraphQLList):
        items = node.values if isinstance(node, ListValueNode) else (node,)
        return any(_bad_literal(type_.of_type, item) for item in items)
    if isinstance(type_, GraphQLInputObjectType) and isinstance(node, ObjectValueNode):
        return any(
            _bad_literal(type_.fields[f.name.value].type, f.value)
            for f in node.fields
            if f.name.value in type_.fields
        )
    return (
        getattr(type_, "name", None) == "ID"
        and isinstance(node, StringValueNode)
        and not well_formed_id(node.value)
    )


class _Walker:
    def __init__(self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments
        self.seen: set[str] = set()
        self.bad: list[str] = []

    def selection_set(self, selections: SelectionSetNode | None, parent: Any) -> None:
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                branch = self.schema.get_type(condition.name.value) if condition else parent
                self.selection_set(selection.selection_set, branch)
            elif (
                isinstance(selection, FragmentSpreadNode) and selection.name.value not in self.seen
            ):
                self.seen.add(selection.name.value)
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    on = self.schema.get_type(fragment.type_condition.name.value)
                    self.selection_set(fragment.selection_set, on)

    def field(self, node: FieldNode, parent: Any) -> None:
        fields = (
            parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        )
        definition = fields.get(node.name.value)
        if definition is None:
            return
        for argument in node.arguments or ():
            declared = definition.args.get(argument.name.value)
            if declared is not None and _bad_literal(declared.type, argument.value):
                self.bad.append(argument.name.value)
        self.selection_set(node.selection_set, get_named_type(definition.type))


def malformed_ids(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    query: str | None = None,
    *,
    cache: BoundedCache[list[str]] | None = None,
) -> list[str]:
    """The arguments and variables (``$name``) of the operation that hold a malformed id."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []
    bad = []
    for definition in operation.variable_definitions or ():
        type_ = type_from_ast(schema, definition.type)
        name = definition.variable.name.value
        if type_ is not None and _bad_value(type_, (variables or {}).get(name)):  # type: ignore[arg-type]
            bad.append(f"${name}")
    return bad + _bad_literals(schema, query, document, operation, cache)


def _bad_literals(
    schema: GraphQLSchema,
    query: str | None,
    document: DocumentNode,
    operation: Any,
    cache: BoundedCache[list[str]] | None,
) -> list[str]:
    """The literal arguments holding a malformed id: they depend on the document alone, so the
    walk is kept per document text (the schema's bounded cache)."""

    def walk() -> list[str]:
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        walker = _Walker(schema, fragments)
        walker.selection_set(operation.selection_set, schema.get_root_type(operation.operation))
        return walker.bad

    if query is None or cache is None:
        return walk()
    key = (query, operation.name and operation.name.value)
    return cache.get_or_compute(key, query, walk)


class IdGuard(SchemaExtension):
    """Refuses an operation whose inputs hold a malformed id, with ``BAD_USER_INPUT``."""

    def __init__(self, caches: DocumentCaches) -> None:
        super().__init__()
        self.caches = caches

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if not context.pre_execution_errors and document is not None:
            bad = malformed_ids(
                context.schema._schema, document, context.operation_name, context.variables,
                context.query, cache=self.caches.malformed_literals,
            )  # fmt: skip
            if bad:
                context.pre_execution_errors = [
                    GraphQLError(
                        f"{', '.join(bad)}: not an identifier this API gives (1 to 128 "
                        "letters, digits or . _ ~ : -)",
                        extensions={"code": ErrorCode.BAD_USER_INPUT, "field": bad[0].lstrip("$")},
                    )
                ]
        yield
