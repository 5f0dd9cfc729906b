"""Finding patients by INS through GraphQL: the query, the traits of a stored patient, and the
situations of the tables (a space in each state, a professional in each standing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.patients import PatientDoc
from storage.stores import Stores
from tests.access_support import link_to_care_team, open_emergency

FIND = """
query Find($ins: InsInput!, $traits: IdentityTraitsInput!) {
  findPatient(ins: $ins, traits: $traits) { found patientId spaceState standing nextActions }
}
"""
MY_PATIENTS = """
query Mine($first: Int, $after: String) {
  myPatients(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { patientId spaceState listedBecause } }
  }
}
"""
STATES = ("provisioned", "open", "active", "suspended", "closed", "objected", "deleted")
STANDINGS = (
    "primary physician",
    "care team",
    "consent",
    "emergency",
    "stranger",
    "blocked",
    "care-team objected",
)


def ins_of(patient: PatientDoc) -> dict[str, str]:
    return {"matricule": patient["ins"]["matricule"], "oid": patient["ins"]["oid"]}


def traits_of(patient: PatientDoc, **overrides: Any) -> dict[str, Any]:
    identity = patient["identity"]
    traits = {
        "birthNames": identity["birth_names"],
        "firstNames": identity["first_names"],
        "birthDate": identity["birth_date"],
        "sex": identity["sex"],
    }
    return {**traits, **overrides}


def find_variables(patient: PatientDoc, **overrides: Any) -> dict[str, Any]:
    return {"ins": ins_of(patient), "traits": traits_of(patient, **overrides)}


async def relate(
    stores: Stores, now: datetime, patient: PatientDoc, professional_id: str, standing: str
) -> None:
    """Put ``professional_id`` in ``standing`` towards ``patient`` (straight in the stores)."""
    patient_id = patient["_id"]
    if standing == "primary physician":
        await link_to_care_team(stores, now, patient_id, professional_id, "primary_physician")
    elif standing in ("care team", "care-team objected"):
        await link_to_care_team(stores, now, patient_id, professional_id)
    elif standing == "consent":
        await stores.authorisations.choose(patient_id, professional_id, {"consent": True}, now)
    elif standing == "emergency":
        await open_emergency(stores, now, patient_id, professional_id)
    elif standing == "blocked":  # in the care team, with consent: the block wins over both
        await link_to_care_team(stores, now, patient_id, professional_id)
        choices = {"blocked": True, "consent": True}
        await stores.authorisations.choose(patient_id, professional_id, choices, now)
    if standing == "care-team objected":
        await stores.patients.transition(
            {"_id": patient_id}, {"space.care_team_objected_at": now}, now
        )
