"""The per-request handle on the use cases: what they all take first, bound once.

Nearly every use case starts with the same arguments - the stores, the clock, the actor - and the
GraphQL layer must not hold the stores itself (it would query repositories behind the use cases'
back). The context therefore carries one :class:`UseCases`, and a resolver names only the use
case and its own arguments::

    await info.context.cases.run(agenda.add_event, patient_id, input.checked())

One method per leading-argument shape, each typed with ``ParamSpec``/``Concatenate`` so that mypy
checks the remaining arguments against the use case exactly as a direct call would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Concatenate, Generic, ParamSpec, TypeVar

from resolvers.core.actors import Actor
from resolvers.core.clock import Clock
from resolvers.core.errors import Unauthenticated
from storage.stores import Stores

P = ParamSpec("P")
T = TypeVar("T")
C = TypeVar("C")  # the use cases' configuration (the documents' limits and URLs)


@dataclass(frozen=True, slots=True)
class UseCases(Generic[C]):
    """Built once per request (or websocket connection) by the api layer.

    ``actor_of`` is read at each call, not at construction: a websocket connection learns its
    actor only in ``connection_init``, after its context exists."""

    stores: Stores
    clock: Clock
    config: C
    actor_of: Callable[[], Actor | None]

    @property
    def actor(self) -> Actor:
        """The authenticated caller; a field that needs one refuses anonymous requests."""
        found = self.actor_of()
        if found is None:
            raise Unauthenticated("This field needs an access token.")
        return found

    async def run(
        self,
        case: Callable[Concatenate[Stores, Clock, Actor, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``case(stores, clock, actor, …)``: the common shape of a use case on a patient's data."""
        return await case(self.stores, self.clock, self.actor, *args, **kwargs)

    async def configured(
        self,
        case: Callable[Concatenate[Stores, Clock, C, Actor, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``case(stores, clock, config, actor, …)``: use cases that store or link documents."""
        return await case(self.stores, self.clock, self.config, self.actor, *args, **kwargs)

    async def untimed(
        self,
        case: Callable[Concatenate[Stores, Actor, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``case(stores, actor, …)``: reads that do not depend on the time."""
        return await case(self.stores, self.actor, *args, **kwargs)

    async def timed(
        self,
        case: Callable[Concatenate[Stores, Clock, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``case(stores, clock, …)``: the caller is an argument of its own, or there is none
        (a viewer worked out by the schema, an objection made with a code instead of a token)."""
        return await case(self.stores, self.clock, *args, **kwargs)

    async def read(
        self,
        case: Callable[Concatenate[Stores, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``case(stores, …)``: reads whose access was checked by the caller (a loader, a field
        of an object already shown)."""
        return await case(self.stores, *args, **kwargs)
