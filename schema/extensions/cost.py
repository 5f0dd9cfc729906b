"""Query cost: how much work an operation asks for, estimated before it runs, refused above a
maximum with ``QUERY_TOO_COSTLY``.

Depth and alias limits do not bound work: ``conversations(first: 100) { … messages(first: 100)
… }`` is shallow and alias-free, yet asks for ten thousand messages. The cost counts field
resolutions as an upper bound:

- every field costs 1 each time it resolves (``__typename`` is free);
- a field with a ``first`` argument (a page) multiplies what is under it by that page size: the
  value sent (a literal or a variable), the default page size when absent, never more than the
  largest page the API serves (a larger ``first`` is refused by the field itself, with its own
  clearer error);
- a list of objects without ``first`` multiplies what is under it by ``LIST_WEIGHT``; a
  connection's ``edges`` multiply nothing more, the page having been counted on the connection;
- introspection fields cost nothing: their work is bounded by the schema, not by the data, and
  who may run them is the introspection policy's business (``schema/extensions/introspection.py``).

Fragments are costed once each (memoised by name), so repeated spreads cannot make the estimate
itself expensive; the branches of a union or interface are added up, which over-estimates and is
safe. The cost is computed after validation, with the variables, so it sees the page sizes the
operation will really ask for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from resolvers.core.pagination import DEFAULT_PAGE, MAX_PAGE
from schema.core.error_codes import ErrorCode
from schema.extensions.caching import BoundedCache, DocumentCaches

LIST_WEIGHT = 10  # what an unpaginated list of objects is assumed to hold


class _Coster:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self._fragment_costs: dict[str, int] = {}

    def selection_set(self, selections: SelectionSetNode | None, parent: Any) -> int:
        if selections is None:
            return 0
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                branch = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, branch)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> int:
        if name not in self._fragment_costs:
            self._fragment_costs[name] = 0  # validation refuses cycles; this only guards
            definition = self.fragments.get(name)
            if definition is not None:
                condition = self.schema.get_type(definition.type_condition.name.value)
                self._fragment_costs[name] = self.selection_set(definition.selection_set, condition)
        return self._fragment_costs[name]

    def field(self, node: FieldNode, parent: Any) -> int:
        name = node.name.value
        if name.startswith("__"):
            return 0
        fields = (
            parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        )
        definition = fields.get(name)
        if definition is None:  # validation already refused it; count it plainly
            return 1
        children = self.selection_set(node.selection_set, get_named_type(definition.type))
        multiplier = self._multiplier(node, definition.type, has_first="first" in definition.args)
        return 1 + multiplier * children

    def _multiplier(self, node: FieldNode, type_: GraphQLOutputType, *, has_first: bool) -> int:
        if has_first:
            return self._page_size(node)
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList) and node.name.value != "edges":
            return LIST_WEIGHT
        return 1

    def _page_size(self, node: FieldNode) -> int:
        argument = next((a for a in node.arguments or () if a.name.value == "first"), None)
        value: object = None
        if argument is not None:
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            elif isinstance(argument.value, NullValueNode):
                value = None
        if not isinstance(value, int) or isinstance(value, bool):
            return DEFAULT_PAGE
        return max(0, min(value, MAX_PAGE))


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    """The cost of the operation a request runs (see the module docstring); 0 when the document
    names no such operation (the executor reports that)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _Coster(schema, fragments, variables or {}).selection_set(operation.selection_set, root)


def cached_cost(
    schema: GraphQLSchema,
    query: str | None,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    *,
    cache: BoundedCache[int],
) -> int:
    """:func:`operation_cost`, kept per document text and integer variables (the only values a
    cost depends on: page sizes), in the schema's bounded cache: a client sending the
    same operation with other ids pays the walk once."""
    if query is None:
        return operation_cost(schema, document, operation_name, variables)
    ints = tuple(
        sorted(
            (name, value)
            for name, value in (variables or {}).items()
            if isinstance(value, int) and not isinstance(value, bool)
        )
    )
    key = (query, operation_name, ints)
    return cache.get_or_compute(
        key, query, lambda: operation_cost(schema, document, operation_name, variables)
    )


class QueryCostLimiter(SchemaExtension):
    """Refuses, before execution, an operation whose cost is over ``max_cost``.

    Placed after validation (and its cache): it runs only on documents that are valid, and adds
    its refusal where Strawberry looks for validation errors, so nothing executes.
    """

    def __init__(self, *, max_cost: int, caches: DocumentCaches) -> None:
        super().__init__()
        self.max_cost = max_cost
        self.caches = caches

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if not context.pre_execution_errors and document is not None:
            cost = cached_cost(
                context.schema._schema, context.query, document, context.operation_name,
                context.variables, cache=self.caches.costs,
            )  # fmt: skip
            if cost > self.max_cost:
                context.pre_execution_errors = [
                    GraphQLError(
                        f"This operation would cost {cost}, over the limit of {self.max_cost}: "
                        "ask for smaller pages (first) or fewer nested lists.",
                        extensions={
                            "code": ErrorCode.QUERY_TOO_COSTLY,
                            "cost": cost,
                            "maxCost": self.max_cost,
                        },
                    )
                ]
        yield


__all__ = ["LIST_WEIGHT", "QueryCostLimiter", "operation_cost"]
