"""Who may see what of a patient: the one policy every resolver asks (L1111-15, L1111-17,
R1111-46 to R1111-49).

:func:`standing_of` decides, once per request and patient, where an actor stands: the holder,
a legal representative, an app the holder paired, a professional (and on which ground), or
nobody. :func:`document_decision` says whether that standing reads one document, and
:func:`document_filter` is the same rule as a MongoDB filter, so lists, counts and totals only
ever hold what the actor may read. Tests check that the two always agree.

A professional, in this order:

1. blocked by the patient: nothing, whatever else holds;
2. within a declared emergency access (not objected to beforehand): allowed until it ends, and
   every access is flagged as an emergency one;
3. the primary physician or a member of the care team: allowed, unless the patient objected to
   the care team's deemed authorisation;
4. given the patient's consent: allowed;
5. anyone else: nothing.

An allowed professional reads the document types the access matrix opens to their profession
(the primary physician: every type), never a document hidden from professionals unless they
are the primary physician, were granted that right, or are in an emergency — and always what
they wrote themselves.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from resolvers.access.matrix import AccessMatrix
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock
from resolvers.core.request_memo import once
from storage.access import AuthorisationDoc
from storage.documents import DocumentDoc
from storage.patients import PatientDoc
from storage.stores import Stores

MAJORITY = 18
OPEN = ("open", "active")


class Relation(StrEnum):
    HOLDER = "holder"
    REPRESENTATIVE = "representative"
    APP = "app"
    PROFESSIONAL = "professional"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Standing:
    """Where an actor stands towards one patient."""

    allowed: bool
    reason: str
    relation: Relation
    primary_physician: bool = False
    sees_hidden: bool = False  # documents hidden from professionals (MASQUE_PS)
    emergency: bool = False

    @property
    def decision(self) -> Decision:
        return Decision(self.allowed, self.reason)


def _denied(reason: str, relation: Relation = Relation.NONE) -> Standing:
    return Standing(False, reason, relation)


def age_on(birth_date: str, day: date) -> int:
    born = date.fromisoformat(birth_date)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


async def represents(stores: Stores, actor_id: str, patient: PatientDoc, today: date) -> bool:
    """Whether the patient ``actor_id`` is a legal representative of ``patient`` on ``today``."""
    representative = await stores.patients.get(actor_id)
    if representative is None or representative["space"]["status"] not in OPEN:
        return False
    link = await stores.representations.active(representative["ins"]["matricule"], patient["_id"])
    if link is None:
        return False
    if link["relation"] == "parent":
        return age_on(patient["identity"]["birth_date"], today) < MAJORITY
    return True


async def standing_of(  # noqa: PLR0911 - one rule a line reads best
    stores: Stores, clock: Clock, actor: Actor, patient: PatientDoc
) -> Standing:
    status = patient["space"]["status"]
    if status in ("provisioned", "objected", "deleted"):
        return _denied("no open space")
    if actor.kind is ActorKind.PATIENT and actor.id == patient["_id"]:
        return Standing(True, "the holder of the space", Relation.HOLDER)
    if actor.kind is ActorKind.PATIENT and await represents(
        stores, actor.id, patient, clock.now().date()
    ):
        return Standing(True, "a legal representative", Relation.REPRESENTATIVE)
    if status not in OPEN:
        return _denied("a closed or suspended space is its holder's alone")
    if actor.kind is ActorKind.APP and actor.id == patient["_id"]:
        return Standing(True, "an app paired by the holder", Relation.APP)
    if actor.kind is ActorKind.PROFESSIONAL:
        return await _professional(stores, clock, actor, patient)
    if actor.kind is ActorKind.OPERATOR:
        return _denied("operators do not read patients' records")
    return _denied("another patient's space")


async def choice_of(
    stores: Stores, patient_id: str, professional_id: str
) -> AuthorisationDoc | None:
    """What the patient decided about the professional (consent, block…), once per request."""
    return await once(
        ("choice", patient_id, professional_id),
        lambda: stores.authorisations.of(patient_id, professional_id),
    )


async def _professional(
    stores: Stores, clock: Clock, actor: Actor, patient: PatientDoc
) -> Standing:
    patient_id = patient["_id"]
    # every fact looked up whatever the answer (at once): a refusal costs what any decision
    # costs, so its time tells nothing of why, nor of whether the patient exists
    choice, primary, emergency, in_team = await asyncio.gather(
        choice_of(stores, patient_id, actor.id),
        stores.profile_entries.is_primary_physician(patient_id, actor.id),
        stores.emergency_accesses.active(patient_id, actor.id, clock.now()),
        stores.profile_entries.in_care_team(patient_id, actor.id),
    )
    if choice is not None and choice["blocked"]:
        return _denied("blocked by the patient", Relation.PROFESSIONAL)
    granted = choice is not None and choice["sees_hidden"]
    deemed = patient["space"].get("care_team_objected_at") is None
    if emergency is not None:  # whatever the other grounds: the accesses are flagged
        return Standing(True, "an emergency access", Relation.PROFESSIONAL, primary, True, True)
    if deemed and primary:
        return Standing(True, "the primary physician", Relation.PROFESSIONAL, True, True)
    if deemed and in_team:
        return Standing(True, "a member of the care team", Relation.PROFESSIONAL, False, granted)
    if choice is not None and choice["consent"]:
        return Standing(True, "the patient's consent", Relation.PROFESSIONAL, primary, granted)
    return _denied("no care relationship, consent or emergency access", Relation.PROFESSIONAL)


def document_decision(  # noqa: PLR0911 - one rule a line reads best
    standing: Standing, actor: Actor, matrix: AccessMatrix, doc: DocumentDoc
) -> Decision:
    """Whether ``standing`` reads ``doc`` (the same rule as :func:`document_filter`)."""
    if not standing.allowed:
        return standing.decision
    if standing.relation in (Relation.HOLDER, Relation.APP, Relation.REPRESENTATIVE):
        if doc["hidden_from_patient"]:
            return Decision(False, "not yet visible to the patient (INVISIBLE_PATIENT)")
        if standing.relation is Relation.REPRESENTATIVE and doc["hidden_from_representatives"]:
            return Decision(False, "hidden from legal representatives")
        return Decision(True, standing.reason)
    if doc["author"]["id"] == actor.id:
        return Decision(True, "its author")
    if doc["hidden_from_professionals"] and not standing.sees_hidden:
        return Decision(False, "hidden from professionals by the patient (MASQUE_PS)")
    if not standing.primary_physician and not matrix.may_read(
        actor.profession_code, doc["type"]["code"]
    ):
        return Decision(False, "the access matrix closes this document type to the profession")
    return Decision(True, standing.reason)


def document_filter(standing: Standing, actor: Actor, matrix: AccessMatrix) -> dict[str, Any]:
    """The part of a query on one patient's documents that keeps what ``standing`` reads.

    Only for an allowed standing (an actor without access never gets as far as a query).
    """
    if not standing.allowed:
        return {"_id": {"$exists": False}}  # nothing
    if standing.relation is Relation.REPRESENTATIVE:
        return {"hidden_from_patient": False, "hidden_from_representatives": False}
    if standing.relation in (Relation.HOLDER, Relation.APP):
        return {"hidden_from_patient": False}
    clauses: list[dict[str, Any]] = []
    if not standing.sees_hidden:
        clauses.append({"hidden_from_professionals": False})
    types = None if standing.primary_physician else matrix.readable_types(actor.profession_code)
    if types is not None:
        clauses.append({"type.code": {"$in": sorted(types)}})
    if not clauses:
        return {}
    return {"$or": [{"author.id": actor.id}, {"$and": clauses}]}
