"""How errors reach clients: every one with a code, unexpected ones masked behind a request id.

Three kinds of error exist:

- the caller's: a malformed document, a failed validation, a bad variable, or a
  :class:`~resolvers.core.errors.DomainError` raised by a use case. Shown as they are, with a code.
- an outage: a store that does not answer. Shown as ``SERVICE_UNAVAILABLE``, without detail.
- a bug: anything else. Shown as ``INTERNAL_SERVER_ERROR`` with the request id, and logged in
  full (message and traceback) under that id, so support can find it and nobody else sees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

import structlog
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext

from resolvers.core.errors import DomainError
from schema.core.error_codes import ErrorCode
from storage.errors import unavailable_store

log = structlog.get_logger("espace_sante.graphql")

_TOKEN_LIMIT_MESSAGE = "Document contains more than"  # noqa: S105 - not a secret


class ErrorKind(Enum):
    CLIENT = "client"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


def _request_problem(original: BaseException | None) -> str | None:
    """What is wrong with a request Strawberry refused before running it, if that is the cause."""
    if isinstance(original, CannotGetOperationTypeError):
        return original.as_http_error_reason()
    if isinstance(original, InvalidOperationTypeError):
        return f"{original.operation_type.value} operations are not allowed here"
    if isinstance(original, MissingQueryError):
        return "No GraphQL query found in the request"
    return None


def classify(error: GraphQLError) -> ErrorKind:
    original = error.original_error
    if isinstance(original, DomainError) or _request_problem(original) is not None:
        return ErrorKind.CLIENT
    if original is not None and unavailable_store(original) is not None:
        return ErrorKind.UNAVAILABLE
    # Errors found before execution (parse, validation, variable coercion) carry no path; their
    # messages are written by graphql-core from the document and the variables sent.
    request_error = original is None or isinstance(original, GraphQLError | ValueError | TypeError)
    if error.path is None and request_error:
        return ErrorKind.CLIENT
    return ErrorKind.INTERNAL


def _client_code(error: GraphQLError, *, from_validation: bool) -> str:
    if isinstance(error.original_error, DomainError):
        return error.original_error.code
    if _request_problem(error.original_error) is not None:
        return ErrorCode.BAD_REQUEST
    if isinstance(error, GraphQLSyntaxError):
        if _TOKEN_LIMIT_MESSAGE in error.message:
            return ErrorCode.TOO_MANY_TOKENS
        return ErrorCode.GRAPHQL_PARSE_FAILED
    if from_validation:
        return ErrorCode.GRAPHQL_VALIDATION_FAILED
    return ErrorCode.BAD_USER_INPUT  # the variables could not be coerced to their types


class ErrorPresenter(MaskErrors):
    """Rewrites every error of a result into what the client may see (see module docstring)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _: True)
        self._validation_errors: set[int] = set()

    def on_validate(self) -> Iterator[None]:
        yield
        errors = self.execution_context.pre_execution_errors or []
        self._validation_errors = {id(error) for error in errors}

    def _request_id(self) -> str | None:
        context = getattr(self.execution_context, "context", None)
        return getattr(context, "request_id", None)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        kind = classify(error)
        extensions: dict[str, Any] = dict(error.extensions or {})
        message = error.message
        if kind is ErrorKind.CLIENT:
            from_validation = id(error) in self._validation_errors
            extensions.setdefault("code", _client_code(error, from_validation=from_validation))
            message = _request_problem(error.original_error) or message
            if isinstance(error.original_error, DomainError):
                message = error.original_error.message
                extensions.update(error.original_error.extensions())
        elif kind is ErrorKind.UNAVAILABLE:
            message = "A backing service is temporarily unavailable; please retry shortly."
            extensions = {"code": ErrorCode.SERVICE_UNAVAILABLE, "requestId": self._request_id()}
        else:
            message = "Internal server error. Quote the request id when reporting it."
            extensions = {"code": ErrorCode.INTERNAL_SERVER_ERROR, "requestId": self._request_id()}
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )


def log_errors(errors: list[GraphQLError], execution_context: ExecutionContext | None) -> None:
    """Log outages and bugs with their cause; the caller's own mistakes only at debug level,
    and without their message, which may quote what the caller sent."""
    operation = execution_context.operation_name if execution_context else None
    for error in errors:
        kind = classify(error)
        path = list(error.path) if error.path else None
        if kind is ErrorKind.CLIENT:
            # the code, not the message: graphql-core quotes the values it could not coerce
            # ("String cannot represent a non string value: <a password sent as a number>")
            code = (error.extensions or {}).get("code") or getattr(
                error.original_error, "code", type(error.original_error or error).__name__
            )
            log.debug("graphql.client_error", operation=operation, path=path, code=code)
        elif kind is ErrorKind.UNAVAILABLE:
            store = unavailable_store(error.original_error) if error.original_error else None
            log.warning(
                "graphql.store_unavailable",
                operation=operation,
                path=path,
                store=store,
                error=type(error.original_error).__name__,
            )
        else:
            log.error(
                "graphql.internal_error",
                operation=operation,
                path=path,
                exc_info=error.original_error,
            )
