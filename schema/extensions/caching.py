"""Parse and validate once per distinct document, in caches bounded by entries AND by bytes.

Bounded by entries alone, an anonymous client sending distinct 1 MB documents (each within the
body limit) could make each process hold ``entries × 1 MB`` of text plus its syntax tree. So each
cache (cachetools' LRU) also weighs every entry: the document's text (a parsed document keeps
its ``Source``, hence the whole text) plus a fixed allowance for the tree and the entry itself,
and evicts the least recently used until the sum fits. A document heavier than the whole budget
is simply not cached. Both caches belong to one schema (built by ``build_schema``), never global.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import LRUCache
from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

CACHE_ENTRIES = 1024
# The text a cache may hold, summed over its entries; the tree adds ENTRY_OVERHEAD each (the
# token limit keeps a tree small whatever the text: long strings and comments are single tokens).
CACHE_BYTES = 16 * 1024 * 1024
ENTRY_OVERHEAD = 4096

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[V]):
    weight: int
    value: V


class BoundedCache(Generic[V]):
    """An LRU cache of at most ``max_entries`` entries weighing at most ``max_bytes`` in all."""

    def __init__(self, max_entries: int = CACHE_ENTRIES, max_bytes: int = CACHE_BYTES) -> None:
        self.max_entries = max_entries
        self._lru: LRUCache[Hashable, _Entry[V]] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: entry.weight
        )

    def __len__(self) -> int:
        return len(self._lru)

    @property
    def weight(self) -> int:
        """What the entries weigh now, in bytes (text plus allowance)."""
        return int(self._lru.currsize)

    def get_or_compute(self, key: Hashable, text: str, compute: Callable[[], V]) -> V:
        entry = self._lru.get(key)
        if entry is not None:
            return entry.value
        value = compute()
        # twice the text: a parsed document also keeps its tokens' values (a comment, a string)
        weight = 2 * len(text.encode()) + ENTRY_OVERHEAD
        if weight <= self._lru.maxsize:
            while len(self._lru) >= self.max_entries:
                self._lru.popitem()
            self._lru[key] = _Entry(weight, value)
        return value


@dataclass(frozen=True, slots=True)
class DocumentCaches:
    """One schema's parse and validation caches."""

    parsed: BoundedCache[DocumentNode]
    validated: BoundedCache[list[GraphQLError]]
    costs: BoundedCache[int]  # schema/extensions/cost.py
    malformed_literals: BoundedCache[list[str]]  # schema/extensions/ids.py

    @classmethod
    def bounded(
        cls, max_entries: int = CACHE_ENTRIES, max_bytes: int = CACHE_BYTES
    ) -> DocumentCaches:
        return cls(*(BoundedCache(max_entries, max_bytes) for _ in range(4)))


def _options_key(options: Mapping[str, object]) -> Hashable:
    return tuple(sorted(options.items()))


class DocumentCache(SchemaExtension):
    """Like Strawberry's ``ParserCache``, with two differences: the cache is bounded by bytes too,
    and a document that does not parse is left to Strawberry's own parse step, which reports the
    error inside the operation, where it gets its code like any other, instead of letting it
    escape the operation's extensions."""

    def __init__(self, caches: DocumentCaches) -> None:
        super().__init__()
        self.caches = caches

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and context.graphql_document is None:
            options = context.parse_options
            key = (query, _options_key(options))
            # On a syntax error, Strawberry parses it again and reports it.
            with contextlib.suppress(GraphQLError):
                context.graphql_document = self.caches.parsed.get_or_compute(
                    key, query, lambda: parse(query, **options)
                )
        yield


class ValidationCache(SchemaExtension):
    """Like Strawberry's ``ValidationCache``, keyed on the document's text and the rules (built
    once per schema), bounded by bytes too."""

    def __init__(self, caches: DocumentCaches) -> None:
        super().__init__()
        self.caches = caches

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        schema = context.schema._schema
        document = context.graphql_document
        rules = context.validation_rules
        # Without a text to key on, Strawberry validates as usual after this hook.
        if context.query is not None and document is not None and rules:
            key = (context.query, tuple(rules))
            context.pre_execution_errors = self.caches.validated.get_or_compute(
                key, context.query, lambda: validate_document(schema, document, rules)
            )
        yield
