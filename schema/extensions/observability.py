"""Measures each GraphQL operation and hands the figures to whoever exports them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Protocol

from strawberry.extensions import SchemaExtension


class OperationRecorder(Protocol):
    def __call__(self, *, name: str | None, kind: str, seconds: float, ok: bool) -> None: ...


class OperationObserver(SchemaExtension):
    """Records name, type, duration and outcome of every operation.

    The operation name is also left in the HTTP scope's state for the access log.
    """

    def __init__(self, record: OperationRecorder) -> None:
        self._record = record

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ec = self.execution_context
        try:
            kind = ec.operation_type.value
        except RuntimeError:  # the document never parsed, or named no runnable operation
            kind = "unknown"
        result = ec.result
        ok = not getattr(result, "errors", None)
        name = ec.operation_name
        context = ec.context
        if name is not None and hasattr(context, "request"):
            context.request.state.graphql_operation = name
        self._record(name=name, kind=kind, seconds=time.perf_counter() - started, ok=ok)
