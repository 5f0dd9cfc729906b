"""Reading patients and professionals, within what the actor may see."""

from __future__ import annotations

from resolvers.access.guard import open_patient
from resolvers.access.policy import standing_of
from resolvers.core.actors import Actor
from resolvers.core.clock import Clock
from resolvers.core.errors import NotFound
from storage.patients import PatientDoc
from storage.professionals import ProfessionalDoc
from storage.stores import Stores


async def visible_patient(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str
) -> PatientDoc:
    """The patient, if the actor may see them; the same ``NotFound`` whether the patient does not
    exist or is hidden, so that nobody learns who has a space. Traced as ``patient.read``."""
    patient, _ = await open_patient(stores, clock, actor, patient_id, "patient.read", field="id")
    return patient


async def represented_by(stores: Stores, clock: Clock, actor: Actor) -> list[PatientDoc]:
    """The patients ``actor`` legally represents today."""
    me = await stores.patients.get(actor.id)
    if me is None:
        return []
    found = []
    for link in await stores.representations.represented_by(me["ins"]["matricule"]):
        patient = await stores.patients.get(link["represented_id"])
        if patient is not None and (await standing_of(stores, clock, actor, patient)).allowed:
            found.append(patient)
    return found


async def professional(stores: Stores, professional_id: str) -> ProfessionalDoc:
    """A professional of the directory (public information for any authenticated actor)."""
    found = await stores.professionals.get(professional_id)
    if found is None:
        raise NotFound("No professional with this id.", field="id")
    return found
