"""Expected refusals as GraphQL results: a use case's :class:`DomainError` becomes the mutation's
own error type (``DocumentError``, ``ProfileError``…) with its code, message and field, so that
clients handle refusals as data and keep GraphQL errors for outages and bugs. Every mutation is
written ``@strawberry.mutation(...)`` over ``@refusing(ItsError)``."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, Protocol, Self, TypeVar

import strawberry

from resolvers.core.audit import one_attempt
from resolvers.core.errors import DomainError

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R", bound="RefusalType")


class RefusalType(Protocol):
    """An error result a mutation returns for a refusal: made from the use case's error."""

    @classmethod
    def refused(cls, error: DomainError) -> Self: ...


@strawberry.type
class Refusal:
    """What every domain's error type is: a code to act on, a message safe to show, and the input
    field at fault. A Python base, not a GraphQL interface: each domain's type (``AgendaError``…)
    inherits the three fields and keeps its own name, so the SDL stays as clients know it. The
    codes each domain raises are its ``…Refusal`` enum in ``resolvers/<domain>/`` (docs/errors.md);
    ``code`` stays a ``String`` in the SDL, as clients know it."""

    code: str
    message: str
    field: str | None

    @classmethod
    def refused(cls, error: DomainError) -> Self:
        return cls(code=error.code, message=error.message, field=error.field)


def refusing(
    error_type: type[R],
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Coroutine[Any, Any, T | R]]]:
    """The one way to write a mutation: under ``@strawberry.mutation(...)``, ``@refusing(X)``
    runs the resolver inside ``one_attempt()`` (its traces are held until it ends and written
    with the outcome it really had) and turns a use case's :class:`DomainError` into the
    domain's error result ``X.refused(error)``.

    ``functools.wraps`` keeps the resolver's signature and annotations: Strawberry reads the
    arguments and the return type through ``__wrapped__`` (``inspect.signature`` follows it)."""

    def decorate(resolver: Callable[P, Awaitable[T]]) -> Callable[P, Coroutine[Any, Any, T | R]]:
        @functools.wraps(resolver)
        async def mutation(*args: P.args, **kwargs: P.kwargs) -> T | R:
            try:
                async with one_attempt():
                    return await resolver(*args, **kwargs)
            except DomainError as error:
                return error_type.refused(error)

        return mutation

    return decorate
