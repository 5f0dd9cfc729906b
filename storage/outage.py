"""MongoDB's connection errors, translated into :class:`storage.errors.StoreUnavailable`.

The object store does this in ``ObjectStore._run``; here ONE mechanism does it for MongoDB:
every repository's ``collection`` is :func:`guarded`, which forwards to PyMongo and
translates what its calls (and the cursors they return) raise. Upper layers then catch
``StoreUnavailable`` and never name a driver's types.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.command_cursor import AsyncCommandCursor
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.errors import ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError

from storage.errors import StoreUnavailable

# ConnectionFailure covers AutoReconnect (and NotPrimaryError), NetworkTimeout,
# ServerSelectionTimeoutError, WaitQueueTimeoutError: the server could not be reached.
_TIMEOUTS = (NetworkTimeout, ServerSelectionTimeoutError)


@contextmanager
def mongo_outage() -> Iterator[None]:
    """Raise ``StoreUnavailable("mongodb")``, chained, for a connection error in the block."""
    try:
        yield
    except ConnectionFailure as exc:
        timed_out = isinstance(exc, _TIMEOUTS)
        raise StoreUnavailable("mongodb", type(exc).__name__, timed_out=timed_out) from exc


@contextmanager
def _guard(kwargs: dict[str, Any]) -> Iterator[None]:
    session = kwargs.get("session")
    if session is not None and session.in_transaction:
        # Inside ``with_transaction``: PyMongo retries a transient error (a primary election is
        # an AutoReconnect) only if it sees the driver's own exception, so it passes untouched;
        # ``Stores.in_transaction`` translates at its boundary.
        yield
        return
    with mongo_outage():
        yield


def _wrap(result: Any) -> Any:
    # what a call returns that talks to the server later: a cursor, or a collection
    # (``with_options``), guarded in turn
    if isinstance(result, AsyncCursor | AsyncCommandCursor | AsyncCollection):
        return _Guarded(result)
    return result


class _Guarded:
    """Forwards attribute access to ``target``; its methods' errors are translated."""

    __slots__ = ("_target",)

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if inspect.iscoroutinefunction(attr):
            return _async_method(attr)
        if callable(attr) and not isinstance(attr, type):
            return _sync_method(attr)
        return attr

    # Iterating a cursor goes through these dunders, which ``__getattr__`` does not see.
    def __aiter__(self) -> _Guarded:
        return self

    async def __anext__(self) -> Any:
        with mongo_outage():
            return await anext(self._target)


def _async_method(method: Callable[..., Any]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        with _guard(kwargs):
            return _wrap(await method(*args, **kwargs))

    return call


def _sync_method(method: Callable[..., Any]) -> Callable[..., Any]:
    # ``find`` builds a cursor without a round trip; ``sort``/``limit`` return the same cursor.
    def call(*args: Any, **kwargs: Any) -> Any:
        with _guard(kwargs):
            return _wrap(method(*args, **kwargs))

    return call


def guarded(collection: Any) -> Any:
    """``collection`` behind the translation (typed by the caller as the collection itself)."""
    return _Guarded(collection)
