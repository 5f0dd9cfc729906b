"""A cheaper path through graphql-core's executor for plain fields.

Most fields of a page are read straight off an object: a document's title, its author, an edge's
node. They are Strawberry's "basic" fields, with no resolver, permission or extension of their
own (one with any extension or permission class always takes graphql-core's path: ``_plan``).
For each of them graphql-core still builds a ``GraphQLResolveInfo``, checks for arguments,
calls Strawberry's wrapper, which calls the default resolver, and walks ``complete_value``'s
chain of type tests. Here such a field is recognised once per schema field, then read with
``getattr``: a scalar or enum is serialised at once, an object of a concrete type (one with no
``is_type_of`` to call) has its own selection executed at once.

Error handling is graphql-core's own: a failure is located at the field's path, and a null in a
non-null field propagates to the nearest nullable parent. Everything else (resolvers, lists,
abstract types, arguments, middleware) goes through graphql-core unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, cast
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


@dataclass(frozen=True, slots=True)
class _Plain:
    """How to read one plain field: its attribute, and what its value completes to."""

    attribute: str
    field_type: GraphQLOutputType  # as declared, for graphql-core's error handling
    leaf: GraphQLLeafType | None  # a scalar or an enum to serialise…
    object_type: GraphQLObjectType | None  # …or an object whose selection is executed
    non_null: bool
    label: str  # Type.field, for the non-null error


_Entry = tuple[str, FieldDetailsList, _Plain | None]
_plans: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], _Plain | None]] = WeakKeyDictionary()


def _plan(parent: GraphQLObjectType, name: str, field: GraphQLField) -> _Plain | None:
    """How to read a plain field, or ``None`` when graphql-core must do it."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or field.args:
        return None
    # Strawberry marks a resolver-less field as a default-resolver one even when it carries a
    # permission or another extension: only graphql-core's path runs those, so such a field
    # never takes the short path (it would be served without its scope check)
    if definition.extensions or definition.permission_classes:
        return None
    if not getattr(field.resolve, "_is_default", False):  # Strawberry's basic-field marker
        return None
    if definition.default_resolver is not getattr:
        return None
    field_type = field.type
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    leaf = inner if isinstance(inner, GraphQLScalarType | GraphQLEnumType) else None
    plain_object = inner if isinstance(inner, GraphQLObjectType) else None
    if plain_object is not None and plain_object.is_type_of is not None:
        plain_object = None  # its own type check needs an info object: graphql-core's path
    if leaf is None and plain_object is None:
        return None
    return _Plain(
        attribute=definition.python_name,
        field_type=field_type,
        leaf=leaf,
        object_type=plain_object,
        non_null=non_null,
        label=f"{parent.name}.{name}",
    )


class ServiceExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with plain fields read without the per-field machinery."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._selections: dict[tuple[str, int], tuple[GroupedFieldSet, list[_Entry]]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """graphql-core's loop over a selection, with a plain leaf's ordinary case inline: no
        ``Path`` is made for it unless something goes wrong."""
        results: dict[str, Any] = {}
        awaiting: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for name, details, plan in self._selection(parent_type, grouped_field_set):
                if plan is not None and (leaf := plan.leaf) is not None:
                    value = getattr(source_value, plan.attribute, None)
                    if not (value is None or is_awaitable(value) or isinstance(value, Exception)):
                        try:
                            coerced = leaf.coerce_output_value(value)
                        except Exception:  # the full path below raises it again, located
                            coerced = None
                        if coerced is not None and coerced is not Undefined:
                            results[name] = coerced
                            continue
                field_path = Path(path, name, parent_type.name)
                result = (
                    super().execute_field(
                        parent_type, source_value, details, field_path, position_context
                    )
                    if plan is None
                    else self._execute_plain(
                        plan, parent_type, source_value, details, field_path, position_context
                    )
                )
                if result is not Undefined:
                    results[name] = result
                    if is_awaitable(result):
                        awaiting.append(name)
        except Exception:
            if awaiting:  # as graphql-core: settle what the other fields started
                self.settle_in_background([results[name] for name in awaiting])
            raise
        if not awaiting:
            return results
        return self._gather(results, awaiting)

    async def _gather(self, results: dict[str, Any], awaiting: list[str]) -> dict[str, Any]:
        if len(awaiting) == 1:
            results[awaiting[0]] = await results[awaiting[0]]
        else:
            values = await gather_with_cancel(*(results[name] for name in awaiting))
            results.update(zip(awaiting, values, strict=True))
        return results

    def _selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[_Entry]:
        """Each field of a selection with its plan, worked out once per operation: graphql-core
        collects a selection once for all the items of a list."""
        key = (parent_type.name, id(grouped_field_set))
        cached = self._selections.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        entries = [
            (name, details, self._plan_of(parent_type, details))
            for name, details in grouped_field_set.items()
        ]
        self._selections[key] = (grouped_field_set, entries)  # keeps the set alive: ids stay
        return entries

    def _execute_plain(  # noqa: PLR0917 - graphql-core's arguments, and the plan
        self,
        plan: _Plain,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        try:
            value = getattr(source, plan.attribute)
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.field_type, field_details_list, path)
            return None
        if self.is_awaitable(value):  # not a plain value after all: graphql-core's way
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        try:
            completed = self._complete(plan, value, field_details_list, path, position_context)
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.field_type, field_details_list, path)
            return None
        if self.is_awaitable(completed):
            return self._settle(completed, plan, field_details_list, path)
        return completed

    def _complete(
        self,
        plan: _Plain,
        value: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            if plan.non_null:
                msg = f"Cannot return null for non-nullable field {plan.label}."
                raise TypeError(msg)
            return None
        if plan.leaf is not None:
            return self.complete_leaf_value(plan.leaf, value)
        object_type = cast("GraphQLObjectType", plan.object_type)  # the other case (_plan)
        return self.collect_and_execute_subfields(
            object_type, field_details_list, path, value, position_context
        )

    def _plan_of(
        self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> _Plain | None:
        node = field_details_list[0].node
        middleware = self.middleware_manager
        if node.arguments or (middleware is not None and middleware.middlewares):
            return None
        plans = _plans.get(self.schema)
        if plans is None:
            plans = _plans.setdefault(self.schema, {})
        key = (parent_type.name, node.name.value)
        try:
            return plans[key]
        except KeyError:
            field = self.schema.get_field(parent_type, key[1])
            plan = plans[key] = None if field is None else _plan(parent_type, key[1], field)
            return plan

    async def _settle(
        self,
        completed: Awaitable[Any],
        plan: _Plain,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.field_type, field_details_list, path)
            return None
