"""The GraphQL surface only: types, inputs, scalars, permissions, extensions and the Schema.

Never imports pymongo: resolvers and storage do the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.core.errors import ErrorPresenter, log_errors
from schema.core.request_scope import PerOperationState
from schema.extensions.caching import DocumentCache, DocumentCaches, ValidationCache
from schema.extensions.cost import QueryCostLimiter
from schema.extensions.executor import ServiceExecutor
from schema.extensions.ids import IdGuard
from schema.extensions.introspection import IntrospectionGuard, IntrospectionPolicy
from schema.extensions.limits import limit_rules
from schema.extensions.observability import OperationObserver, OperationRecorder
from schema.profile.types import SECTION_TYPES
from schema.root import Mutation, Query, Subscription


@dataclass(frozen=True, slots=True)
class SchemaLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_cost: int = 20_000
    introspection: IntrospectionPolicy = "on"


class ServiceSchema(strawberry.Schema):
    """The schema, logging errors our way (before they are masked for the client)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors, execution_context)


def build_schema(
    limits: SchemaLimits,
    record: OperationRecorder | None = None,
    caches: DocumentCaches | None = None,
) -> ServiceSchema:
    """The schema with its protective and observing extensions, in the order they must run."""
    documents = caches or DocumentCaches.bounded()
    rules = limit_rules(max_depth=limits.max_depth, max_aliases=limits.max_aliases)
    # Factories, not instances: an extension instance keeps per-operation state.
    extensions: list[type[SchemaExtension] | Any] = [
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: DocumentCache(documents),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(documents),
        # after validation: they depend on the variables and the caller, which its cache does not
        lambda: QueryCostLimiter(max_cost=limits.max_cost, caches=documents),
        lambda: IntrospectionGuard(policy=limits.introspection),
        lambda: IdGuard(documents),
        ErrorPresenter,
        PerOperationState,
    ]
    if record is not None:
        extensions.append(lambda: OperationObserver(record))
    return ServiceSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=SECTION_TYPES,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=False),
        execution_context_class=ServiceExecutor,
    )
