"""What lives for one operation: its DataLoaders (every operation starts with none, so a
websocket connection, whose context lasts, never reads a cached answer of an earlier operation),
and, for queries only, the shared lookups of ``resolvers.core.request_memo`` (a mutation's own
writes must be read back)."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from resolvers.core.request_memo import read_only_request
from schema.core.context import Context


class PerOperationState(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.loaders = {}
        if self.execution_context.operation_type is OperationType.QUERY:
            with read_only_request():
                yield
        else:
            yield
