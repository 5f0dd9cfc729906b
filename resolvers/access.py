"""Who may see a patient's data: the one entry point every resolver asks.

For now: the holder, and the catalogue apps acting for them. Professionals and operators see
nothing of a patient until the access rules (care team, consent, access matrix, emergency
access) are in place; everything defaults to denied.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.actors import Actor, ActorKind


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str


def patient_access(actor: Actor, patient_id: str) -> Decision:
    if actor.kind is ActorKind.PATIENT and actor.id == patient_id:
        return Decision(True, "the holder of the space")
    if actor.kind is ActorKind.APP and actor.id == patient_id:
        return Decision(True, "an app paired by the holder")
    if actor.kind in (ActorKind.PATIENT, ActorKind.APP):
        return Decision(False, "another patient's space")
    if actor.kind is ActorKind.PROFESSIONAL:
        return Decision(False, "no care relationship or consent recorded for this patient")
    return Decision(False, "operators do not read patients' records")
