"""What one read-only request looks up several times, looked up once.

A dashboard asks for the patient, their documents, their agenda and their conversations: each
part opens the patient through the access policy, and each trace names the actor. Within one
query (never a mutation, whose own writes must be read back) those lookups give the same answer,
so the first one is kept for the rest of the request: the patient, the actor's standing towards
them, the actor's display name. The scope is a context variable set around the execution of a
query; outside one, nothing is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, asyncio.Future[Any]] | None] = ContextVar(
    "request_memo", default=None
)


@contextlib.contextmanager
def read_only_request() -> Iterator[None]:
    """Keep lookups for the rest of this (read-only) request."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


async def once(key: Hashable, lookup: Callable[[], Awaitable[T]]) -> T:
    """``lookup()``'s result, shared by every caller of the request asking for ``key``, even
    concurrently (the second waits for the first); outside a request, a plain call."""
    memo = _memo.get()
    if memo is None:
        return await lookup()
    found = memo.get(key)
    if found is None:
        found = memo[key] = asyncio.ensure_future(lookup())
    result: T = await asyncio.shield(found)
    return result
