"""Parse once per distinct document: an LRU cache in front of graphql-core's parser."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension

CACHE_SIZE = 1024


@lru_cache(maxsize=CACHE_SIZE)
def _parse(query: str, **options: Any) -> DocumentNode:
    return parse(query, **options)


class DocumentCache(SchemaExtension):
    """Like Strawberry's ``ParserCache``, with one difference: a document that does not parse is
    left to Strawberry's own parse step, which reports the error inside the operation, where it
    gets its code like any other, instead of letting it escape the operation's extensions.

    The cache is bounded, so unique documents sent by a client cannot grow memory.
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            # On a syntax error, Strawberry parses it again and reports it.
            with contextlib.suppress(GraphQLError):
                context.graphql_document = _parse(context.query, **context.parse_options)
        yield
