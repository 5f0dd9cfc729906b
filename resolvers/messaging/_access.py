"""Who may read and write which mailbox and conversation (DOMAIN: Secure messaging).

Every space that was not objected to has a mailbox. Its patient side is the holder and their
legal representatives; apps and operators have none. Any professional may write to an open
space (messaging needs no care relationship, as with a letter) unless the patient blocked them:
a block closes the professional's conversations with that patient, reading included, from their
next request on. A professional sees only the conversations they started.

As everywhere (``resolvers.access.guard``), a refusal is traced and answered like a missing id.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.access.guard import UNKNOWN, as_if_hidden
from resolvers.access.policy import OPEN, Relation, choice_of, standing_of
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, NotFound
from resolvers.core.request_memo import once
from storage.messages import ConversationDoc
from storage.patients import PatientDoc
from storage.stores import Stores

HIDDEN_PATIENT = "No patient with this id is visible to you."
HIDDEN_CONVERSATION = "No conversation with this id is visible to you."
PATIENT_SIDE = (Relation.HOLDER, Relation.REPRESENTATIVE)


@dataclass(frozen=True, slots=True)
class Mailbox:
    """A patient's mailbox as one actor may use it."""

    patient: PatientDoc
    relation: Relation  # HOLDER, REPRESENTATIVE or PROFESSIONAL
    reason: str

    @property
    def patient_side(self) -> bool:
        return self.relation in PATIENT_SIDE


async def mailbox_relation(
    stores: Stores, clock: Clock, actor: Actor, patient: PatientDoc
) -> tuple[Relation, str]:
    """How ``actor`` stands towards ``patient``'s mailbox: ``Relation.NONE`` means not at all."""
    if actor.kind is ActorKind.PATIENT:
        standing = await standing_of(stores, clock, actor, patient)
        if standing.allowed and standing.relation in PATIENT_SIDE:
            return standing.relation, standing.reason
        return Relation.NONE, standing.reason
    if actor.kind is not ActorKind.PROFESSIONAL:
        return Relation.NONE, "only people have a mailbox: apps and operators do not"
    if patient["space"]["status"] not in OPEN:
        return Relation.NONE, "no open space, so no mailbox"
    choice = await choice_of(stores, patient["_id"], actor.id)
    if choice is not None and choice["blocked"]:
        return Relation.NONE, "blocked by the patient"
    return Relation.PROFESSIONAL, "a professional writing to an open space"


async def open_mailbox(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    action: str,
    *,
    write: bool = False,
    target: tuple[str, str] | None = None,
    trace_allowed: bool = True,
    hidden: str = HIDDEN_PATIENT,
    field: str = "patientId",
) -> Mailbox:
    """``patient_id``'s mailbox if ``actor`` may use it (``write``: and send); traced."""
    patient = await once(("patient", patient_id), lambda: stores.patients.get(patient_id))
    what = target or ("mailbox", patient_id)
    if patient is None:  # as costly as a refusal, and traced alike
        await as_if_hidden(stores, clock, actor, patient_id, action, what)
        raise NotFound(hidden, field=field)
    relation, reason = await mailbox_relation(stores, clock, actor, patient)
    if relation is Relation.NONE:
        await trace(
            stores, clock, actor, patient_id=patient_id, action=action, target=what,
            outcome="denied",
        )  # fmt: skip
        raise NotFound(hidden, field=field)
    if write and patient["space"]["status"] not in OPEN:
        await trace(
            stores, clock, actor, patient_id=patient_id, action=action, target=what,
            outcome="denied",
        )  # fmt: skip
        raise Forbidden("The space is closed or suspended: no message can be sent.")
    if trace_allowed:
        await trace(stores, clock, actor, patient_id=patient_id, action=action, target=what)
    return Mailbox(patient, relation, reason)


async def open_conversation(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    conversation_id: str,
    action: str,
    *,
    write: bool = False,
    trace_allowed: bool = True,
) -> tuple[ConversationDoc, Mailbox]:
    """A conversation ``actor`` takes part in, and their mailbox standing; traced as ``action``."""
    conversation = await stores.conversations.get(conversation_id)
    target = ("conversation", conversation_id)
    if conversation is None:  # as costly as a refusal, and traced alike
        await as_if_hidden(stores, clock, actor, UNKNOWN, action, target)
        raise NotFound(HIDDEN_CONVERSATION, field="conversationId")
    patient_id = conversation["patient_id"]
    if actor.kind is ActorKind.PROFESSIONAL and conversation["professional_id"] != actor.id:
        await trace(
            stores, clock, actor, patient_id=patient_id, action=action, target=target,
            outcome="denied",
        )  # fmt: skip
        raise NotFound(HIDDEN_CONVERSATION, field="conversationId")
    mailbox = await open_mailbox(
        stores, clock, actor, patient_id, action, write=write, target=target,
        trace_allowed=trace_allowed, hidden=HIDDEN_CONVERSATION, field="conversationId",
    )  # fmt: skip
    return conversation, mailbox
