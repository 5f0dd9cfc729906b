"""Who wrote a record, and who may lift a protection set on it.

A person is themselves whatever software they use; an app is its OAuth client: two apps the same
patient paired are strangers to each other's documents, measurements and agenda events, and an
app is not the patient it acts for.

A protection (a document or an agenda event hidden from professionals, a document hidden from
legal representatives) keeps who set it. Only that person (or app) lifts it, or the holder of
the space: they are her choices about her own record. No author, app or professional reveals
what the patient hid; a protection whose setter is not recorded (set before setters were kept)
is the holder's alone to lift.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resolvers.core.actors import Actor, ActorKind


def same_author(actor: Actor, author: Mapping[str, Any] | None) -> bool:
    """Whether ``author`` (a record's author, or a protection's setter) is ``actor``."""
    if author is None:
        return False
    same = author["kind"] == actor.kind.value and author["id"] == actor.id
    return same and (actor.kind is not ActorKind.APP or author.get("client_id") == actor.client_id)


def is_holder(actor: Actor, patient_id: str) -> bool:
    return actor.kind is ActorKind.PATIENT and actor.id == patient_id


def may_lift(actor: Actor, patient_id: str, setter: Mapping[str, Any] | None) -> bool:
    """Whether ``actor`` may lift a protection ``setter`` set on ``patient_id``'s record."""
    return is_holder(actor, patient_id) or same_author(actor, setter)
