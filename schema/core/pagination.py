"""Relay-style connections: edges with cursors, page info, and a total count on demand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from resolvers.core.pagination import encode_cursor

T = TypeVar("T")


@strawberry.type(
    description="Where a page starts and ends, and whether others come before or after it "
    "(the Relay Cursor Connections specification's PageInfo)."
)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page: lists are read forward (`first`, "
        "`after`), so this is true exactly when the page starts after a cursor."
    )
    start_cursor: str | None
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
    after: str | None,
    count: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """The one builder of every list: a connection of ``nodes`` built from ``docs`` (same
    order), cursors on ``sort_key``; ``after`` is the cursor the page was asked after."""
    edges = [
        Edge(node=node, cursor=encode_cursor(doc[sort_key], doc["_id"]))
        for node, doc in zip(nodes, docs, strict=True)
    ]
    return Connection(
        edges=edges,
        count=count,
        page_info=PageInfo(
            has_next_page=has_next,
            # A cursor stands for an item the caller was given: something comes before.
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
