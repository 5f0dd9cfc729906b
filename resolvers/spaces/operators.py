"""What operators do to a space: suspend it for fraud, record a legal representative.

Every attempt is traced, by an operator or not; whoever is not one is refused alike for every id.
"""

from __future__ import annotations

from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, InvalidInput, NotFound
from resolvers.core.identity import normalize_matricule
from resolvers.spaces.lifecycle import LIVE, SUSPENSION_PERIOD, Outcome, transition
from storage.patients import PatientDoc
from storage.stores import Stores


def _operator(actor: Actor) -> None:
    if actor.kind is not ActorKind.OPERATOR:
        raise Forbidden("Only operators do this.")


async def _operated(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, action: str
) -> PatientDoc:
    """The patient an operator acts on; the attempt traced, by an operator or not (whoever is
    not one is refused alike for every id)."""
    patient = await stores.patients.get(patient_id)
    allowed = actor.kind is ActorKind.OPERATOR
    if patient is not None:
        await trace(
            stores, clock, actor, patient_id=patient_id, action=action,
            target=("space", patient_id), outcome="allowed" if allowed else "denied",
        )  # fmt: skip
    _operator(actor)
    if patient is None:
        raise NotFound("No such patient.", field="patientId")
    return patient


async def suspend_space(stores: Stores, clock: Clock, actor: Actor, patient_id: str) -> Outcome:
    """For fraud: the space is closed after six weeks unless the holder contests."""
    patient = await _operated(stores, clock, actor, patient_id, "space.suspended")
    now = clock.now()
    done = await transition(
        stores,
        clock,
        patient_id,
        LIVE,
        {
            "space.status": "suspended",
            "space.suspended_at": now,
            "space.suspension_deadline": now + SUSPENSION_PERIOD,
            "space.status_before_suspension": patient["space"]["status"],
        },
        "space-suspended",
    )
    return Outcome(done["_id"], done["space"]["status"])


async def add_representative(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    *,
    representative_ins: str,
    relation: str,
) -> Outcome:
    """Record a parent or a guardian (a court decision, for a protected adult)."""
    patient = await _operated(stores, clock, actor, patient_id, "representative.added")
    if relation not in ("parent", "guardian"):
        raise InvalidInput("relation is parent or guardian", field="relation")
    matricule = normalize_matricule(representative_ins, field="representativeIns")
    await stores.representations.record(
        [
            {
                "_id": f"{patient_id}:{matricule}",
                "represented_id": patient_id,
                "representative_ins": matricule,
                "relation": relation,  # type: ignore[typeddict-item]  # checked above
                "since": clock.now(),
                "ended_at": None,
            }
        ]
    )
    return Outcome(patient_id, patient["space"]["status"])
