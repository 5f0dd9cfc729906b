"""The patient's say over who reads their record, and the emergency access (R1111-46 to R1111-48).

The holder (or a legal representative) sees in one place who is authorised — the care team,
consents, blocks, the right to see hidden documents, the objections — and changes any of it;
the next request of every professional follows the change. A professional declares an emergency
access with a reason; it lasts a set time, unless the patient objected beforehand or blocked
them, and the patient and the primary physician are told.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.access.guard import HIDDEN_PATIENT, OPEN, as_if_hidden, open_patient
from resolvers.access.policy import Relation, Standing
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, InvalidInput, NotFound
from resolvers.documents.rules import DocumentConfig, check_reason
from resolvers.spaces import news
from resolvers.spaces.lifecycle import notice
from resolvers.spaces.notifications import tell_professional
from storage.access import AuthorisationDoc, EmergencyAccessDoc
from storage.ids import new_id
from storage.patients import PatientDoc
from storage.profile import EntryDoc
from storage.stores import Stores

HOLDER_SIDE = (Relation.HOLDER, Relation.REPRESENTATIVE)


def _holder_side(standing: Standing) -> None:
    if standing.relation not in HOLDER_SIDE:
        raise Forbidden("Only the patient (or their legal representative) manages access.")


@dataclass(frozen=True, slots=True)
class Authorisations:
    patient: PatientDoc
    care_team: list[EntryDoc]
    choices: list[AuthorisationDoc]
    emergencies: list[EmergencyAccessDoc]


async def authorisations(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str
) -> Authorisations:
    """Who is authorised, and on which ground (traced as ``authorisations.read``)."""
    patient, standing = await open_patient(stores, clock, actor, patient_id, "authorisations.read")
    _holder_side(standing)
    return Authorisations(
        patient=patient,
        care_team=await stores.profile_entries.care_team(patient_id),
        choices=await stores.authorisations.of_patient(patient_id),
        emergencies=await stores.emergency_accesses.of_patient(patient_id),
    )


async def set_professional_access(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    professional_id: str,
    *,
    consent: bool | None = None,
    blocked: bool | None = None,
    sees_hidden: bool | None = None,
) -> AuthorisationDoc:
    """The patient gives or withdraws consent, blocks or unblocks, grants or takes back the right
    to see hidden documents — for one professional; the choices not given keep their value."""
    choices = {
        key: value
        for key, value in (("consent", consent), ("blocked", blocked), ("sees_hidden", sees_hidden))
        if value is not None
    }
    if not choices:
        raise InvalidInput("Say at least one of consent, blocked, seesHiddenDocuments.")
    _, standing = await open_patient(
        stores, clock, actor, patient_id, "authorisations.changed", write=True,
        target=("professional", professional_id),
    )  # fmt: skip
    _holder_side(standing)
    if await stores.professionals.get(professional_id) is None:
        raise NotFound("No professional with this id in the directory.", field="professionalId")
    return await stores.authorisations.choose(patient_id, professional_id, choices, clock.now())


async def set_objections(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    *,
    care_team: bool | None = None,
    emergency: bool | None = None,
) -> PatientDoc:
    """The patient objects (or stops objecting) to the care team's deemed authorisation and to
    emergency access."""
    fields = {"care_team_objected_at": care_team, "emergency_objected_at": emergency}
    if all(value is None for value in fields.values()):
        raise InvalidInput("Say at least one of careTeam, emergency.")
    patient, standing = await open_patient(
        stores, clock, actor, patient_id, "authorisations.changed", write=True
    )
    _holder_side(standing)
    now = clock.now()
    changes = {
        f"space.{name}": (now if value else None)
        for name, value in fields.items()
        if value is not None and bool(patient["space"].get(name)) != value
    }
    if not changes:
        return patient
    changed = await stores.patients.transition({"_id": patient_id}, changes, now)
    return changed or patient


async def declare_emergency(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, patient_id: str, *,
    reason: str,
) -> EmergencyAccessDoc:  # fmt: skip
    """Break the glass: time-limited access to a patient who cannot say what they want."""
    if actor.kind is not ActorKind.PROFESSIONAL:
        raise Forbidden("Only a health professional declares an emergency access.")
    text = check_reason(reason)
    patient = await stores.patients.get(patient_id)
    target = ("patient", patient_id)
    if patient is None:  # as costly as a refusal, and traced alike
        await as_if_hidden(stores, clock, actor, patient_id, "emergency.declared", target)
        raise NotFound(HIDDEN_PATIENT, field="patientId")
    refusal = await _emergency_refusal(stores, actor, patient)
    if refusal is not None:
        await trace(
            stores, clock, actor, patient_id=patient_id, action="emergency.declared",
            target=target, outcome="denied", emergency=True,
        )  # fmt: skip
        raise refusal
    now = clock.now()
    access: EmergencyAccessDoc = {
        "_id": new_id(),
        "patient_id": patient_id,
        "professional_id": actor.id,
        "client_id": actor.client_id,
        "reason": text,
        "started_at": now,
        "expires_at": now + config.emergency_duration,
    }
    await stores.emergency_accesses.insert(access)
    await trace(
        stores, clock, actor, patient_id=patient_id, action="emergency.declared",
        target=("emergency_access", access["_id"]), emergency=True,
    )  # fmt: skip
    if patient["email"]:
        await news.emergency_accessed(stores, clock, access["_id"], patient_id)
    else:
        # No address to mail the news to: she is still told afterwards (L1111-17), by the letter
        # the space's notices send by post.
        await stores.patients.transition({"_id": patient_id}, {}, now, [notice("emergency-access")])
    physician_id = await stores.profile_entries.primary_physician_id(patient_id)
    if physician_id is not None and physician_id != actor.id:
        await tell_professional(stores, clock, physician_id, patient, "emergency-access-physician")
    return access


async def _emergency_refusal(stores: Stores, actor: Actor, patient: PatientDoc) -> Exception | None:
    """Why the declaration is refused, if it is: answered like an unknown patient whatever the
    reason (a closed space, a block, an objection), since telling them apart would tell anyone
    with the emergency scope that the patient has a space, and what she decided about them."""
    hidden = NotFound(HIDDEN_PATIENT, field="patientId")
    if patient["space"]["status"] not in OPEN:
        return hidden
    choice = await stores.authorisations.of(patient["_id"], actor.id)
    if choice is not None and choice["blocked"]:
        return hidden
    if patient["space"].get("emergency_objected_at") is not None:
        return hidden
    return None
