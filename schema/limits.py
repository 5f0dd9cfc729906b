"""Limits on the documents the service agrees to run, each refusal with its own error code."""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

from schema.codes import ErrorCode


class _CodingContext:
    """A validation context that stamps ``extensions.code`` on every error reported through it."""

    def __init__(self, context: Any, code: str) -> None:
        self._context = context
        self._code = code

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": self._code}
        self._context.report_error(error)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def _coded(rule: type[ASTValidationRule], code: ErrorCode) -> type[ASTValidationRule]:
    class Coded(rule):  # type: ignore[valid-type, misc]  # subclass of a rule built at runtime
        def __init__(self, context: Any) -> None:
            super().__init__(_CodingContext(context, code))

    Coded.__name__ = f"Coded{rule.__name__}"
    return Coded


def limit_rules(*, max_depth: int, max_aliases: int) -> list[type[ASTValidationRule]]:
    """Depth and alias rules with their codes.

    Built once per schema: the validation cache keys on the rule classes.
    """
    depth = QueryDepthLimiter(max_depth=max_depth).validation_rules
    aliases = MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules
    return [
        *(_coded(rule, ErrorCode.QUERY_TOO_DEEP) for rule in depth),
        *(_coded(rule, ErrorCode.TOO_MANY_ALIASES) for rule in aliases),
    ]
