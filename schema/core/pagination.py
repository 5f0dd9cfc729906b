"""Relay-style connections: edges with cursors, page info, and a total count on demand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from resolvers.core.pagination import encode_cursor

T = TypeVar("T")


@strawberry.type(description="Where a page ends, and whether another follows.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items match, across every page.")
    async def total_count(self) -> int:
        return await self.count()


def connection(
    nodes: Sequence[T],
    docs: Sequence[Any],
    *,
    sort_key: str,
    has_next: bool,
    count: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """A connection of ``nodes`` built from ``docs`` (same order), cursors on ``sort_key``."""
    edges = [
        Edge(node=node, cursor=encode_cursor(doc[sort_key], doc["_id"]))
        for node, doc in zip(nodes, docs, strict=True)
    ]
    return Connection(
        edges=edges,
        count=count,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
    )
