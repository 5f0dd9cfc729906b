"""Finding a patient by INS, as practice software does first (the DMP's "TD0.2": does a record
exist, and what may I do with it).

The caller gives an exact INS (matricule and the OID of its authority) and the identity traits
its software read; the traits guard against a wrong or mistyped number (docs/practice-software.md
says how they compare). What a lookup answers, and what it never tells:

- an unknown INS, an objected or deleted space, and an INS whose traits do not match answer the
  same ``NOT_FOUND_ANSWER``, traced alike, and count as a failure in the guessing budget of the
  source (the address, the client): the time a miss takes is the time a hit takes;
- a professional the patient blocked stands like a stranger: ``NO_ACCESS``, and the same next
  actions (requesting consent, an emergency) a stranger is offered;
- an operator (the insurer's partners) learns existence, state and id, never a standing: the
  access policy gives operators none, and the care relationship is not theirs to know.

Every lookup is traced: under the patient when the INS and traits designate her (``allowed``
when answered as found, ``denied`` when the traits did not match), under ``unknown`` otherwise,
for the actor's own record only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from resolvers.access.guard import UNKNOWN
from resolvers.access.policy import Standing, standing_of
from resolvers.access.refusals import AccessRefusal
from resolvers.core import guessing
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import author_of, trace
from resolvers.core.clock import Clock
from resolvers.core.errors import DomainError, Forbidden
from resolvers.core.identity import check_ins, first_first_name, fold_trait
from storage.patients import PatientDoc
from storage.profile import AuthorDoc
from storage.stores import Stores

ACTION = "patient.looked_up"
# a practice (or a hospital behind one address) looks up many patients; few are not found
FIND = guessing.Policy("find", per_source=60, free_per_account=5)


class SpaceState(StrEnum):
    OPEN = "OPEN"  # open or active
    NOT_YET_OPEN = "NOT_YET_OPEN"  # provisioned: announced, opening unless the person objects
    CLOSED = "CLOSED"
    SUSPENDED = "SUSPENDED"


class CareStanding(StrEnum):
    PRIMARY_PHYSICIAN = "PRIMARY_PHYSICIAN"
    CARE_TEAM = "CARE_TEAM"
    CONSENT = "CONSENT"
    EMERGENCY = "EMERGENCY"
    NO_ACCESS = "NO_ACCESS"  # a stranger, a blocked professional, a closed space alike


class NextAction(StrEnum):
    READ = "READ"
    DEPOSIT = "DEPOSIT"
    REQUEST_CONSENT = "REQUEST_CONSENT"
    DECLARE_EMERGENCY = "DECLARE_EMERGENCY"


STATES = {
    "open": SpaceState.OPEN,
    "active": SpaceState.OPEN,
    "provisioned": SpaceState.NOT_YET_OPEN,
    "closed": SpaceState.CLOSED,
    "suspended": SpaceState.SUSPENDED,
}  # objected and deleted: answered as unknown
GROUNDS = {  # the policy's reasons for an allowed professional
    "the primary physician": CareStanding.PRIMARY_PHYSICIAN,
    "a member of the care team": CareStanding.CARE_TEAM,
    "the patient's consent": CareStanding.CONSENT,
    "an emergency access": CareStanding.EMERGENCY,
}


class LookupsLocked(DomainError):
    code = AccessRefusal.TOO_MANY_ATTEMPTS

    def __init__(self) -> None:
        # said of the source, never of a patient: the same for any INS
        super().__init__("Too many lookups found nobody: try again in a few minutes.")


@dataclass(frozen=True, slots=True)
class Traits:
    """The traits the caller's software read (Carte Vitale, the INSi teleservice)."""

    birth_names: str
    first_names: list[str]
    birth_date: str  # ISO date
    sex: str
    birth_place_code: str | None = None


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer; ``patient_id is None`` when nothing was found."""

    patient_id: str | None = None
    state: SpaceState | None = None
    standing: CareStanding | None = None
    next_actions: tuple[NextAction, ...] | None = None


NOT_FOUND_ANSWER = Lookup()


def traits_match(patient: PatientDoc, traits: Traits) -> bool:
    """The INS traits compared as docs/practice-software.md says: birth name, first first name,
    birth date and sex exactly (after folding case and diacritics); the birth place when given."""
    identity = patient["identity"]
    same = (
        fold_trait(identity["birth_names"]) == fold_trait(traits.birth_names)
        and first_first_name(identity["first_names"]) == first_first_name(traits.first_names)
        and identity["birth_date"] == traits.birth_date
        and identity["sex"] == traits.sex.strip().upper()
    )
    place = traits.birth_place_code
    return same and (not place or place.strip().upper() == identity["birth_place_code"].upper())


def next_actions(actor: Actor, patient: PatientDoc, standing: Standing) -> tuple[NextAction, ...]:
    """What the same API would let the caller do; a blocked professional is offered what a
    stranger is (the answer must not tell a block from no relationship)."""
    space = patient["space"]
    if STATES[space["status"]] is not SpaceState.OPEN:
        return ()
    actions: list[NextAction] = []
    if standing.allowed:
        if "documents:read" in actor.scopes:
            actions.append(NextAction.READ)
        if "documents:write" in actor.scopes:
            actions.append(NextAction.DEPOSIT)
    else:
        actions.append(NextAction.REQUEST_CONSENT)
    objected = space.get("emergency_objected_at") is not None
    if "emergency" in actor.scopes and not standing.emergency and not objected:
        actions.append(NextAction.DECLARE_EMERGENCY)
    return tuple(actions)


def _answer(actor: Actor, patient: PatientDoc, standing: Standing) -> Lookup:
    state = STATES[patient["space"]["status"]]
    if actor.kind is ActorKind.OPERATOR:
        return Lookup(patient["_id"], state)
    ground = GROUNDS.get(standing.reason) if standing.allowed else None
    return Lookup(
        patient["_id"],
        state,
        ground or CareStanding.NO_ACCESS,
        next_actions(actor, patient, standing),
    )


async def find_patient(  # noqa: PLR0917 - the query's arguments and where it came from
    stores: Stores,
    clock: Clock,
    actor: Actor,
    matricule: str,
    oid: str,
    traits: Traits,
    sources: guessing.Sources,
) -> Lookup:
    """Whether the INS designates a space, its state, and (for a professional) where the caller
    stands and what they may do next."""
    if actor.kind not in (ActorKind.PROFESSIONAL, ActorKind.OPERATOR):
        raise Forbidden("Only professionals and the insurer's partners look patients up.")
    ins, authority = check_ins(matricule, oid)
    if not await guessing.before_attempt(stores, clock, FIND, sources, ins):
        raise LookupsLocked
    patient = await stores.patients.by_ins(ins)
    known = (
        patient is not None
        and patient["ins"]["oid"] == authority
        and patient["space"]["status"] in STATES
    )
    if patient is None or not known:
        return await _not_found(stores, clock, actor, sources, ins, UNKNOWN)
    if not traits_match(patient, traits):
        return await _not_found(stores, clock, actor, sources, ins, patient["_id"])
    standing = await standing_of(stores, clock, actor, patient)
    await trace(
        stores, clock, await _named(stores, actor), patient_id=patient["_id"], action=ACTION,
        target=("patient", patient["_id"]), emergency=standing.emergency,
    )  # fmt: skip
    return _answer(actor, patient, standing)


async def _named(stores: Stores, actor: Actor) -> AuthorDoc:
    """The actor as the patient's history shows a lookup: a professional with their RPPS
    ("Sophie Lefèvre (RPPS 10001234565)"), so she can tell who looked her up."""
    who = await author_of(stores, actor)
    if actor.kind is ActorKind.PROFESSIONAL and actor.rpps:
        return {**who, "name": f"{who['name']} (RPPS {actor.rpps})"}
    return who


async def _not_found(  # noqa: PLR0917 - the lookup's facts
    stores: Stores,
    clock: Clock,
    actor: Actor,
    sources: guessing.Sources,
    ins: str,
    patient_id: str,
) -> Lookup:
    """The answer for nobody, after one trace and a failure counted against the source: these
    counter writes cost what a hit's access decision costs (measured: the medians of a hit, a
    miss and wrong traits within a few percent; an access decision against a stand-in on top,
    as ``guard.as_if_hidden`` makes, made a miss 20-35% slower than a hit)."""
    await trace(
        stores, clock, await _named(stores, actor), patient_id=patient_id, action=ACTION,
        target=("patient", patient_id), outcome="denied",
    )  # fmt: skip
    await guessing.failed(stores, clock, FIND, sources, ins)
    return NOT_FOUND_ANSWER
