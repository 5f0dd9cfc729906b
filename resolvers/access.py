"""Who may see a patient's data: the one entry point every resolver asks.

For now: the holder, their legal representatives (a parent until the child turns 18, a guardian
until the guardianship ends), the catalogue apps acting for the holder, and the professionals
the holder lists in their care team. Operators see no patient's record. Everything else is
denied; consent, blocking, the access matrix and emergency access come with the access rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from resolvers.actors import Actor, ActorKind
from resolvers.clock import Clock
from storage.patients import PatientDoc
from storage.stores import Stores

MAJORITY = 18


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str


def age_on(birth_date: str, day: date) -> int:
    born = date.fromisoformat(birth_date)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


async def represents(stores: Stores, actor_id: str, patient: PatientDoc, today: date) -> bool:
    """Whether the patient ``actor_id`` is a legal representative of ``patient`` on ``today``."""
    representative = await stores.patients.get(actor_id)
    if representative is None or representative["space"]["status"] not in ("open", "active"):
        return False
    link = await stores.representations.active(representative["ins"]["matricule"], patient["_id"])
    if link is None:
        return False
    if link["relation"] == "parent":
        return age_on(patient["identity"]["birth_date"], today) < MAJORITY
    return True


async def patient_access(  # noqa: PLR0911 - one rule a line reads best
    stores: Stores, clock: Clock, actor: Actor, patient: PatientDoc
) -> Decision:
    if patient["space"]["status"] in ("provisioned", "objected", "deleted"):
        return Decision(False, "no open space")
    if actor.kind is ActorKind.PATIENT and actor.id == patient["_id"]:
        return Decision(True, "the holder of the space")
    if actor.kind is ActorKind.PATIENT and await represents(
        stores, actor.id, patient, clock.now().date()
    ):
        return Decision(True, "a legal representative")
    if patient["space"]["status"] not in ("open", "active"):
        return Decision(False, "a closed or suspended space is its holder's alone")
    if actor.kind is ActorKind.APP and actor.id == patient["_id"]:
        return Decision(True, "an app paired by the holder")
    if actor.kind in (ActorKind.PATIENT, ActorKind.APP):
        return Decision(False, "another patient's space")
    if actor.kind is ActorKind.PROFESSIONAL:
        if await stores.profile_entries.in_care_team(patient["_id"], actor.id):
            return Decision(True, "a member of the patient's care team")
        return Decision(False, "no care relationship or consent recorded for this patient")
    return Decision(False, "operators do not read patients' records")
