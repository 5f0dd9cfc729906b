"""The way in to a patient's data: load, decide with the access policy, trace, or refuse.

Every use case reaches a patient or a document through :func:`open_patient` or
:func:`open_document`. A refusal is traced (the attempt is in the history) and answered with the
same ``NotFound`` as a missing id, so nobody learns who has a space or which documents exist.
An allowed access is traced as ``action``; callers that trace it themselves once done (a
deposit, when the document exists) pass ``trace_allowed=False``.

An unknown id costs what a hidden one does (:func:`as_if_hidden`): the same access decision,
made against a stand-in, and the same denied trace (under the id asked for, or ``unknown`` for
a record of no known patient), so neither the answer, nor its time, nor the caller's own
history tells a hidden patient or record from a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from resolvers.access.matrix import AccessMatrix
from resolvers.access.policy import Standing, document_decision, standing_of
from resolvers.core.actors import Actor
from resolvers.core.audit import trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, NotFound
from resolvers.core.request_memo import once
from storage.documents import DocumentDoc
from storage.patients import PatientDoc, new_space
from storage.stores import Stores

HIDDEN_PATIENT = "No patient with this id is visible to you."
HIDDEN_DOCUMENT = "No document with this id is visible to you."
OPEN = ("open", "active")
UNKNOWN = "unknown"  # the patient of an attempt on a record that does not exist


def _stand_in(patient_id: str) -> PatientDoc:
    """A patient with an open space and nobody around her: what the decision is made against
    for an id that does not exist, so that it costs what a real one does."""
    doc: dict[str, Any] = {
        "_id": patient_id,
        "ins": {"matricule": "", "oid": ""},
        "identity": {"birth_date": "1970-01-01", "first_names": [], "birth_names": ""},
        "space": new_space("active"),
    }
    return doc  # type: ignore[return-value]  # the fields the access decision reads


async def as_if_hidden(  # noqa: PLR0917 - the access's facts
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    action: str,
    target: tuple[str, str],
) -> None:
    """The work a refusal of a hidden ``patient_id`` does, for one that does not exist."""
    await standing_of(stores, clock, actor, _stand_in(patient_id))
    await trace(
        stores, clock, actor, patient_id=patient_id, action=action, target=target,
        outcome="denied",
    )  # fmt: skip


async def open_patient(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    patient_id: str,
    action: str,
    *,
    write: bool = False,
    target: tuple[str, str] | None = None,
    field: str = "patientId",
    trace_allowed: bool = True,
) -> tuple[PatientDoc, Standing]:
    """The patient and the actor's standing, if the actor may read (``write``: and change) their
    data; the access is traced as ``action`` on ``target`` (default: the patient)."""
    patient = await once(("patient", patient_id), lambda: stores.patients.get(patient_id))
    what = target or ("patient", patient_id)
    if patient is None:
        await as_if_hidden(stores, clock, actor, patient_id, action, what)
        raise NotFound(HIDDEN_PATIENT, field=field)
    standing = await once(
        ("standing", actor, patient_id), lambda: standing_of(stores, clock, actor, patient)
    )
    if not standing.allowed:
        await trace(
            stores, clock, actor, patient_id=patient_id, action=action,
            target=what, outcome="denied",
        )  # fmt: skip
        raise NotFound(HIDDEN_PATIENT, field=field)
    if write and patient["space"]["status"] not in OPEN:
        await trace(
            stores, clock, actor, patient_id=patient_id, action=action,
            target=what, outcome="denied", emergency=standing.emergency,
        )  # fmt: skip
        raise Forbidden("The space is closed or suspended: nothing in it can change.")
    if trace_allowed:
        await trace(
            stores, clock, actor, patient_id=patient_id, action=action, target=what,
            emergency=standing.emergency,
        )  # fmt: skip
    return patient, standing


async def open_document(  # noqa: PLR0917 - the access's facts
    stores: Stores,
    clock: Clock,
    matrix: AccessMatrix,
    actor: Actor,
    document_id: str,
    action: str,
    *,
    statuses: Sequence[str] = ("available", "replaced"),
    write: bool = False,
    trace_allowed: bool = True,
) -> tuple[DocumentDoc, Standing]:
    """A document the actor may read, in one of ``statuses``; traced as ``action`` (a refusal
    always; an allowed access unless the caller traces the outcome itself, ``trace_allowed``)."""
    doc = await stores.documents.get(document_id)
    target = ("document", document_id)
    if doc is None or doc["status"] not in statuses:
        await stores.patients.get(document_id)  # the lookup of the document's patient
        await as_if_hidden(stores, clock, actor, UNKNOWN, action, target)
        raise NotFound(HIDDEN_DOCUMENT, field="documentId")
    try:
        _, standing = await open_patient(
            stores, clock, actor, doc["patient_id"], action, write=write, target=target,
            trace_allowed=False,
        )  # fmt: skip
    except NotFound:
        raise NotFound(HIDDEN_DOCUMENT, field="documentId") from None
    decision = document_decision(standing, actor, matrix, doc)
    if trace_allowed or not decision.allowed:
        await trace(
            stores, clock, actor, patient_id=doc["patient_id"], action=action, target=target,
            outcome="allowed" if decision.allowed else "denied", emergency=standing.emergency,
        )  # fmt: skip
    if not decision.allowed:
        raise NotFound(HIDDEN_DOCUMENT, field="documentId")
    return doc, standing
