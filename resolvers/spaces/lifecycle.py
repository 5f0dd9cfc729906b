"""The life of a space (L1111-13-1, R1111-28, R1111-36, R1111-40).

    provisioned ──(objection before the opening)──▶ objected
         │ opening date (run-due)
         ▼
       open ──(activation code + password)──▶ active
         │  ╲                                  │
         │   ╲──(objection, closure)───────────┤
         ▼                                     ▼
     suspended ──(6 weeks, run-due)──▶ closed ──(10 years, or deletion request)──▶ deleted
         └──(the holder contests)──▶ back    └──(reopening within 10 years)──▶ open/active

Every change is one atomic update conditioned on the state it starts from, so two requests (or
two replicas) can never both apply it. Notifications are decided in the same update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from dateutil.relativedelta import relativedelta

from resolvers.access.guard import HIDDEN_PATIENT
from resolvers.access.policy import represents
from resolvers.accounts.logins import set_password
from resolvers.core import guessing
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import DomainError, InvalidInput, NotFound
from resolvers.core.identity import normalize_matricule
from resolvers.spaces import _one_time_codes as codes
from resolvers.spaces.refusals import SpacesRefusal
from storage.ids import new_id
from storage.patients import PatientDoc, PendingNoticeDoc, SpaceStatus
from storage.stores import Stores

NOTICE_PERIOD = timedelta(weeks=6)  # between the notice and the automatic opening
SUSPENSION_PERIOD = timedelta(weeks=6)  # to contest a suspension for fraud
ARCHIVE_PERIOD = relativedelta(years=10)  # a closed space is kept, then deleted
DELETION_DELAY = timedelta(days=30)  # a deletion request is honoured after 30 days (≤ 3 months)
ACTIVATION_CODE_LIFETIME = timedelta(days=90)

LIVE: tuple[SpaceStatus, ...] = ("open", "active")


class InvalidCode(DomainError):
    code = SpacesRefusal.INVALID_CODE

    def __init__(self) -> None:
        super().__init__("This code does not match (or no space is awaiting it).")


class CodeExpired(DomainError):
    code = SpacesRefusal.CODE_EXPIRED

    def __init__(self) -> None:
        super().__init__("This activation code has expired: ask for a new one.")


class CodesLocked(DomainError):
    code = SpacesRefusal.CODES_LOCKED

    def __init__(self) -> None:
        # said of the source that failed, never of a space: the same for any INS
        super().__init__("Too many wrong codes: try again in a few minutes.")


class NotAllowedNow(DomainError):
    """The space is not in a state where this can happen."""

    code = SpacesRefusal.NOT_ALLOWED_NOW


@dataclass(frozen=True)
class Outcome:
    patient_id: str
    status: SpaceStatus


def notice(template: str) -> PendingNoticeDoc:
    return {"id": new_id(), "template": template}


def opening_date(notified_on: date) -> date:
    return notified_on + NOTICE_PERIOD


async def transition(
    stores: Stores,
    clock: Clock,
    patient_id: str,
    from_: tuple[SpaceStatus, ...],
    changes: dict[str, Any],
    *notices: str,
) -> PatientDoc:
    done = await stores.patients.transition(
        {"_id": patient_id, "space.status": {"$in": list(from_)}},
        changes,
        clock.now(),
        [notice(template) for template in notices],
    )
    if done is None:
        raise NotAllowedNow("The space is not in a state that allows this.")
    return done


# -- with a code: no account needed -----------------------------------------------------------


async def _by_code_owner(  # noqa: PLR0917
    stores: Stores,
    clock: Clock,
    ins: str,
    code: str,
    sources: guessing.Sources,
    kind: Literal["objection_code_hash", "activation_code_hash"],
) -> PatientDoc:
    """The patient whose code of ``kind`` this is; ``InvalidCode`` otherwise. An unknown INS
    takes the very path of a wrong code, counted the same (``resolvers/core/guessing.py``), so
    nobody learns who has a space; a source that failed too often is stopped (``CodesLocked``)
    whatever the INS, and nobody can lock a person out of her own space."""
    try:
        account = normalize_matricule(ins, field="ins")
    except InvalidInput:
        account = ins.strip()
    if not await guessing.before_attempt(stores, clock, guessing.CODES, sources, account):
        raise CodesLocked
    patient = await stores.patients.by_ins(account)
    live = patient is not None and patient["space"]["status"] != "deleted"
    if patient is None or not live or not codes.matches(patient["space"][kind], code):
        await guessing.failed(stores, clock, guessing.CODES, sources, account)
        raise InvalidCode
    return patient


async def object_to_space(
    stores: Stores, clock: Clock, ins: str, code: str, sources: guessing.Sources
) -> Outcome:
    """The person (or a legal representative) objects with the code from the notice. Before the
    opening, no space is opened; after, the space is closed."""
    patient = await _by_code_owner(stores, clock, ins, code, sources, "objection_code_hash")
    status = patient["space"]["status"]
    now = clock.now()
    reset: dict[str, Any] = {"space.failed_code_attempts": 0, "space.objected_at": now}
    if status == "provisioned":
        done = await transition(
            stores,
            clock,
            patient["_id"],
            ("provisioned",),
            {**reset, "space.status": "objected"},
            "objection-recorded",
        )
    elif status in (*LIVE, "suspended"):
        done = await transition(
            stores,
            clock,
            patient["_id"],
            (*LIVE, "suspended"),
            {
                **reset,
                "space.status": "closed",
                "space.closed_at": now,
                "space.closed_reason": "objection",
                "space.archive_until": now + ARCHIVE_PERIOD,
            },
            "space-closed",
        )
    else:  # objected already, or closed: nothing more to do
        return Outcome(patient["_id"], status)
    return Outcome(done["_id"], done["space"]["status"])


async def activate_space(  # noqa: PLR0917 - the form's fields and where they came from
    stores: Stores, clock: Clock, ins: str, code: str, password: str, sources: guessing.Sources
) -> Outcome:
    """The holder sets their credentials with the activation code they received."""
    patient = await _by_code_owner(stores, clock, ins, code, sources, "activation_code_hash")
    space = patient["space"]
    expires = space["activation_expires_at"]
    if expires is None or expires <= clock.now():
        raise CodeExpired
    if space["status"] != "open":
        raise NotAllowedNow("This space is not awaiting activation.")
    await set_password(
        stores,
        clock,
        ActorKind.PATIENT,
        login=patient["ins"]["matricule"],
        user_id=patient["_id"],
        password=password,
    )
    done = await transition(
        stores,
        clock,
        patient["_id"],
        ("open",),
        {
            "space.status": "active",
            "space.activated_at": clock.now(),
            "space.activation_code_hash": None,
            "space.activation_expires_at": None,
            "space.failed_code_attempts": 0,
        },
    )
    return Outcome(done["_id"], done["space"]["status"])


async def request_activation_code(stores: Stores, clock: Clock, ins: str, birth_date: date) -> None:
    """Send a new activation code to the contact on file, if the details match an open space.
    Says nothing either way: the answer must not tell who has a space."""
    try:
        matricule = normalize_matricule(ins, field="ins")
    except InvalidInput:
        return
    patient = await stores.patients.by_ins(matricule)
    if patient is None or patient["identity"]["birth_date"] != birth_date.isoformat():
        return
    await stores.patients.transition(
        {"_id": patient["_id"], "space.status": "open"},
        {},
        clock.now(),
        [notice("activation-code")],
    )


# -- the holder, with a token -------------------------------------------------------------------


async def _holder(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str, action: str
) -> PatientDoc:
    """The space, if the actor is its holder or one of their legal representatives; the attempt
    is traced (a refusal too), and refused like a missing id."""
    patient = await stores.patients.get(patient_id)
    if patient is None:
        raise NotFound(HIDDEN_PATIENT, field="patientId")
    allowed = actor.kind is ActorKind.PATIENT and (
        actor.id == patient_id or await represents(stores, actor.id, patient, clock.now().date())
    )
    await trace(
        stores, clock, actor, patient_id=patient_id, action=action,
        target=("space", patient_id), outcome="allowed" if allowed else "denied",
    )  # fmt: skip
    if not allowed:
        raise NotFound(HIDDEN_PATIENT, field="patientId")
    return patient


async def close_space(stores: Stores, clock: Clock, actor: Actor, patient_id: str) -> Outcome:
    await _holder(stores, clock, actor, patient_id, "space.closed")
    now = clock.now()
    done = await transition(
        stores,
        clock,
        patient_id,
        LIVE,
        {
            "space.status": "closed",
            "space.closed_at": now,
            "space.closed_reason": "holder",
            "space.archive_until": now + ARCHIVE_PERIOD,
        },
        "space-closed",
    )
    return Outcome(done["_id"], done["space"]["status"])


async def reopen_space(stores: Stores, clock: Clock, actor: Actor, patient_id: str) -> Outcome:
    """Within the archive period: back to active (or open if never activated); a pending
    deletion request is cancelled."""
    patient = await _holder(stores, clock, actor, patient_id, "space.reopened")
    space = patient["space"]
    if space["status"] != "closed" or space["closed_reason"] == "fraud":
        raise NotAllowedNow("Only a space its holder closed can be reopened.")
    back: SpaceStatus = "active" if space["activated_at"] is not None else "open"
    done = await transition(
        stores,
        clock,
        patient_id,
        ("closed",),
        {
            "space.status": back,
            "space.closed_at": None,
            "space.closed_reason": None,
            "space.archive_until": None,
            "space.deletion_due_at": None,
        },
        "space-reopened",
    )
    return Outcome(done["_id"], done["space"]["status"])


async def request_deletion(stores: Stores, clock: Clock, actor: Actor, patient_id: str) -> Outcome:
    """The space is closed now and deleted after ``DELETION_DELAY`` (reopening cancels)."""
    patient = await _holder(stores, clock, actor, patient_id, "space.deletion_requested")
    now = clock.now()
    changes: dict[str, Any] = {"space.deletion_due_at": now + DELETION_DELAY}
    if patient["space"]["status"] != "closed":
        changes.update(
            {
                "space.status": "closed",
                "space.closed_at": now,
                "space.closed_reason": "holder",
                "space.archive_until": now + ARCHIVE_PERIOD,
            }
        )
    done = await transition(
        stores, clock, patient_id, (*LIVE, "closed"), changes, "deletion-scheduled"
    )
    return Outcome(done["_id"], done["space"]["status"])


async def contest_suspension(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str
) -> Outcome:
    """Within six weeks of a suspension, the holder objects: the space is restored."""
    patient = await _holder(stores, clock, actor, patient_id, "space.suspension_contested")
    before = patient["space"]["status_before_suspension"] or "open"
    done = await transition(
        stores,
        clock,
        patient_id,
        ("suspended",),
        {
            "space.status": before,
            "space.suspended_at": None,
            "space.suspension_deadline": None,
            "space.status_before_suspension": None,
        },
        "suspension-lifted",
    )
    return Outcome(done["_id"], done["space"]["status"])


# -- operators ------------------------------------------------------------------------------------


def new_activation(now: datetime) -> tuple[str, dict[str, Any]]:
    """A fresh activation code, and the changes that make it the valid one."""
    code = codes.new_code()
    return code, {
        "space.activation_code_hash": codes.code_hash(code),
        "space.activation_expires_at": now + ACTIVATION_CODE_LIFETIME,
    }
