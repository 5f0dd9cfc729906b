"""The access history (L1111-15, R1111-46): one event for each read or write of a patient's
data — who (the person and the digital service), what, which resource, when, the outcome, and
whether it was under an emergency access. Events are only ever appended."""

from __future__ import annotations

from resolvers.actors import Actor, ActorKind
from resolvers.clock import Clock
from resolvers.request_memo import once
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
            name = f"{person['identity']['first_names'][0]} {person['identity']['birth_names']}"
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
    await stores.access_events.append(event)
