"""Errors the storage layer raises, free of any driver type so upper layers can catch them."""

from __future__ import annotations

from typing import Literal

Store = Literal["mongodb", "s3"]


class StoreUnavailable(Exception):
    """A backing store did not answer in time; the operation can be retried later."""

    def __init__(self, store: Store, detail: str = "", *, timed_out: bool = False) -> None:
        super().__init__(f"{store} unavailable" + (f": {detail}" if detail else ""))
        self.store: Store = store
        self.timed_out = timed_out  # no answer in time, as opposed to a refusal or an error


class AlreadyStored(Exception):
    """A record with the same id (or unique key) is stored already."""


class ObjectNotFound(Exception):
    """No object under that key."""


class ObjectTooLarge(Exception):
    """A stream went past the size it was allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"object larger than {limit} bytes")
        self.limit = limit


def unavailable_store(exc: BaseException) -> Store | None:
    """Which store an exception says is unreachable, or ``None`` when it says something else.

    The stores translate their drivers' connection errors into ``StoreUnavailable`` (MongoDB in
    storage/outage.py, S3 in storage/objects.py), so that is the one type to look for."""
    return exc.store if isinstance(exc, StoreUnavailable) else None
