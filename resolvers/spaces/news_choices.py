"""A patient's choice of news: per channel (email today) and per kind, read and set by the holder
or a legal representative acting for her; traced like any access to her space.

Defaults: every kind on, for a patient with an email address (without one nothing is mailed,
whatever she chose). The choice is read when an email is about to go (``resolvers.spaces.news``):
a kind switched off after the event and before the sending is not sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from resolvers.access.guard import open_patient
from resolvers.access.policy import Relation
from resolvers.core.actors import Actor
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, InvalidInput
from storage.news_events import NewsKind
from storage.stores import Stores

CHANNELS = ("email",)  # SMS or push: one more member here and in the GraphQL enum
KINDS: tuple[NewsKind, ...] = get_args(NewsKind)
HOLDER_SIDE = (Relation.HOLDER, Relation.REPRESENTATIVE)


@dataclass(frozen=True, slots=True)
class Choice:
    channel: str
    kind: NewsKind
    enabled: bool


async def _holder_side(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, action: str, *, write: bool
) -> None:
    """Only the holder's side chooses what the holder is told: anyone else who does not reach
    the space gets "not found" (like an unknown patient), a professional who does, a refusal."""
    _, standing = await open_patient(stores, clock, actor, patient_id, action, write=write)
    if standing.relation not in HOLDER_SIDE:
        raise Forbidden("Only the holder, or a legal representative, chooses her notifications.")


async def _choices(stores: Stores, patient_id: str) -> list[Choice]:
    chosen = await stores.news_preferences.of_patient(patient_id)
    return [
        Choice(channel, kind, chosen.get(channel, {}).get(kind, True))
        for channel in CHANNELS
        for kind in KINDS
    ]


async def choices(stores: Stores, clock: Clock, actor: Actor, patient_id: str) -> list[Choice]:
    await _holder_side(stores, clock, actor, patient_id, "notifications.read", write=False)
    return await _choices(stores, patient_id)


async def choose(  # noqa: PLR0917 - the choice's facts
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    channel: str,
    kind: str,
    enabled: bool,
) -> list[Choice]:
    if channel not in CHANNELS or kind not in KINDS:
        raise InvalidInput("no such channel or kind of notification", field="kind")
    await _holder_side(stores, clock, actor, patient_id, "notifications.changed", write=True)
    await stores.news_preferences.choose(patient_id, channel, kind, enabled, clock.now())
    return await _choices(stores, patient_id)
