"""Errors the storage layer raises, free of any driver type so upper layers can catch them."""

from __future__ import annotations

from typing import Literal

import urllib3.exceptions
from pymongo.errors import ConnectionFailure

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


# What a store raises when it cannot be reached: callers catch exactly these (``except
# STORE_UNAVAILABLE``) rather than ``Exception``, without naming a driver's types themselves.
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (
    StoreUnavailable,
    ConnectionFailure,  # MongoDB: AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError…
    urllib3.exceptions.HTTPError,  # S3, below the minio SDK
)


def unavailable_store(exc: BaseException) -> Store | None:
    """Which store an exception says is unreachable, or ``None`` when it says something else."""
    if isinstance(exc, StoreUnavailable):
        return exc.store
    if isinstance(exc, ConnectionFailure):
        return "mongodb"
    if isinstance(exc, urllib3.exceptions.HTTPError):
        return "s3"
    return None
