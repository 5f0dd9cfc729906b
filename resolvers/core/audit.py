"""The access history (L1111-15, R1111-46): one event for each read or write of a patient's
data — who (the person and the digital service), what, which resource, when, the outcome, and
whether it was under an emergency access. Events are only ever appended.

An attempt (a mutation, an upload) runs inside :func:`one_attempt`: its events are kept until
it ends, then written once each, and if it was refused — by the access policy, a rule on who
may do what, its input or the record's state — every event it traced as ``allowed`` is written
``denied``: the history never says a refused action was allowed, whichever rule refused it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar

import anyio

from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock
from resolvers.core.errors import DomainError
from resolvers.core.request_memo import once
from storage.audit import AccessEventDoc, Outcome
from storage.documents import AuthorDoc as DocumentAuthor
from storage.ids import new_id
from storage.profile import AuthorDoc
from storage.stores import Stores


async def author_of(stores: Stores, actor: Actor) -> AuthorDoc:
    """The actor as records and traces name them: kind, id, client app, and a display name."""
    return await once(("author", actor), lambda: _author_of(stores, actor))


async def _author_of(stores: Stores, actor: Actor) -> AuthorDoc:
    name = actor.client_id
    if actor.kind is ActorKind.PROFESSIONAL:
        pro = await stores.professionals.get(actor.id)
        name = f"{pro['first_name']} {pro['last_name']}" if pro else "professionnel de santé"
    elif actor.kind is ActorKind.PATIENT:
        person = await stores.patients.get(actor.id)
        if person is not None:
            first = (person["identity"]["first_names"] or [""])[0]
            name = f"{first} {person['identity']['birth_names']}".strip()
    else:
        client = await stores.oauth_clients.get(actor.client_id)
        name = client["name"] if client else actor.client_id
    return {"kind": actor.kind.value, "id": actor.id, "client_id": actor.client_id, "name": name}


async def trace(
    stores: Stores,
    clock: Clock,
    actor: Actor | AuthorDoc | DocumentAuthor,
    *,
    patient_id: str,
    action: str,
    target: tuple[str, str],
    outcome: Outcome = "allowed",
    emergency: bool = False,
) -> None:
    """Append one event: ``actor`` did ``action`` on ``target`` (type, id) of ``patient_id``.

    ``actor``: the request's actor, or the author a record keeps (named already)."""
    who = await author_of(stores, actor) if isinstance(actor, Actor) else actor
    event: AccessEventDoc = {
        "_id": new_id(),
        "patient_id": patient_id,
        "actor": {
            "kind": who["kind"],
            "id": who["id"],
            "client_id": who["client_id"],
            "name": who["name"],
        },
        "action": action,
        "target_type": target[0],
        "target_id": target[1],
        "at": clock.now(),
        "outcome": outcome,
        "emergency": emergency,
    }
    pending = _attempt.get()
    if pending is None:
        await stores.access_events.append(event)
    else:
        pending.append((stores, event))


_attempt: ContextVar[list[tuple[Stores, AccessEventDoc]] | None] = ContextVar(
    "attempt", default=None
)


@contextlib.asynccontextmanager
async def one_attempt() -> AsyncIterator[None]:
    """Trace the events of what runs inside once it ends, with the outcome it had."""
    events: list[tuple[Stores, AccessEventDoc]] = []
    token = _attempt.set(events)
    refused = True
    try:
        yield
        refused = False
    finally:
        _attempt.reset(token)
        with anyio.CancelScope(shield=True):
            await _write(events, refused=refused)


async def _write(events: list[tuple[Stores, AccessEventDoc]], *, refused: bool) -> None:
    kept: dict[tuple[str, str, str, str], tuple[Stores, AccessEventDoc]] = {}
    for stores, event in events:
        if refused:
            event["outcome"] = "denied"
        key = (event["patient_id"], event["action"], event["target_type"], event["target_id"])
        first = kept.setdefault(key, (stores, event))[1]
        if event["outcome"] == "denied":  # once per attempt; a refusal wins
            first["outcome"] = "denied"
    for stores, event in kept.values():
        await stores.access_events.append(event)


@contextlib.asynccontextmanager
async def refusals_traced(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    *,
    patient_id: str,
    action: str,
    target: tuple[str, str],
    emergency: bool = False,
) -> AsyncIterator[None]:
    """Trace a refusal of what runs inside (any ``DomainError``: not allowed, wrong input, wrong
    state) as ``denied``, so that an attempt the policy let through but the rules then refused
    is never left out of the history, nor recorded as allowed. The success is the caller's to
    trace, once the thing exists."""
    try:
        yield
    except DomainError:
        await trace(
            stores, clock, actor, patient_id=patient_id, action=action, target=target,
            outcome="denied", emergency=emergency,
        )  # fmt: skip
        raise


@contextlib.asynccontextmanager
async def outcome_traced(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    *,
    patient_id: str,
    action: str,
    target: tuple[str, str],
    emergency: bool = False,
) -> AsyncIterator[None]:
    """Trace what runs inside once, with the outcome it had: ``allowed`` when it ends, ``denied``
    when it is refused (for use after the access check, which traces its own refusals)."""
    async with refusals_traced(
        stores, clock, actor, patient_id=patient_id, action=action, target=target,
        emergency=emergency,
    ):  # fmt: skip
        yield
    await trace(
        stores, clock, actor, patient_id=patient_id, action=action, target=target,
        emergency=emergency,
    )  # fmt: skip
