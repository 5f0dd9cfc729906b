"""Opaque cursors for keyset pagination, and the page sizes clients may ask for."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeAlias, TypeVar

import orjson

from resolvers.core.errors import InvalidInput
from storage.repository import Keyset, Page

DEFAULT_PAGE = 20
MAX_PAGE = 100

D = TypeVar("D")
# A page of records and how to count them all (run only when the caller asks for totalCount).
Counted: TypeAlias = tuple[Page[D], Callable[[], Awaitable[int]]]


def page_size(first: int | None, *, field: str = "first") -> int:
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise InvalidInput(f"{field} must be between 1 and {MAX_PAGE}", field=field)
    return size


def encode_cursor(value: object, id_: str) -> str:
    """The position of an item: its sort value (datetimes tagged) and its id, base64url."""
    tagged = {"t": value.isoformat()} if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(orjson.dumps([tagged, id_])).rstrip(b"=").decode()


def decode_cursor(cursor: str | None, *, field: str = "after") -> Keyset | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, id_ = orjson.loads(raw)
        if isinstance(value, dict) and set(value) == {"t"}:
            value = datetime.fromisoformat(value["t"]).astimezone(UTC)
        if not isinstance(id_, str) or not isinstance(value, str | int | float | datetime):
            raise ValueError("unexpected cursor content")
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        raise InvalidInput("this cursor is not one the API gave", field=field) from None
    return Keyset(value, id_)
