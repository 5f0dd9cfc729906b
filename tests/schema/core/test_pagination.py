"""Every list is a connection by the Relay Cursor Connections specification: ``PageInfo`` with
``hasNextPage``, ``hasPreviousPage``, ``startCursor`` and ``endCursor``, built in one place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from resolvers.core.pagination import decode_cursor
from schema.core.pagination import connection


async def no_count() -> int:
    raise AssertionError("the count is only run when asked for")


DOCS = [{"_id": f"{i:024x}", "at": datetime(2026, 1, i + 1, tzinfo=UTC)} for i in range(3)]


@pytest.mark.parametrize(
    ("docs", "has_next", "after", "expected"),
    [
        # first page, more follow
        (DOCS, True, None, {"next": True, "previous": False, "edges": 3}),
        # a later page, the last one
        (DOCS[1:], False, "cursor-of-the-first", {"next": False, "previous": True, "edges": 2}),
        # an empty page after a cursor: nothing to point at, but items came before
        ([], False, "cursor-of-the-last", {"next": False, "previous": True, "edges": 0}),
        # an empty list
        ([], False, None, {"next": False, "previous": False, "edges": 0}),
    ],
)
def test_page_info_by_the_relay_spec(
    docs: list[dict[str, object]], has_next: bool, after: str | None, expected: dict[str, object]
) -> None:
    page = connection(
        [doc["_id"] for doc in docs], docs, sort_key="at", has_next=has_next, after=after,
        count=no_count,
    )  # fmt: skip
    info = page.page_info
    assert (info.has_next_page, info.has_previous_page) == (expected["next"], expected["previous"])
    assert len(page.edges) == expected["edges"]
    if page.edges:
        assert info.start_cursor == page.edges[0].cursor
        assert info.end_cursor == page.edges[-1].cursor
        first = decode_cursor(info.start_cursor)
        assert first is not None
        assert first.id == docs[0]["_id"]
    else:
        assert info.start_cursor is None
        assert info.end_cursor is None
