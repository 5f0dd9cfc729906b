"""What happens to a document after its deposit: hiding and showing it, deleting, withdrawing,
and the time rules that ``run-due`` applies.

- The holder hides a document from professionals, or shows it again (MASQUE_PS), and grants or
  takes back, per professional, the right to see hidden documents.
- The depositing professional releases a document held back from the patient; without that, it
  shows by itself one month after deposit, the patient told at two weeks (R1111-53).
- The author or the holder hides a document from legal representatives, or shows it again.
- A protection keeps who set it: only they, or the holder, lift it
  (``resolvers.access.authorship``);
  it covers every version of the document, and a new version inherits it
  (``resolvers.documents._protections``).
- The holder deletes a document (every version): archived at once, bytes purged later.
- The author withdraws a document, with a reason: nobody sees it any more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from resolvers.access.authorship import is_holder, may_lift, same_author
from resolvers.access.guard import open_document
from resolvers.access.policy import Standing
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import refusals_traced, trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, InvalidInput, NotFound
from resolvers.documents._protections import LIFT_REFUSED, Flag, setter
from resolvers.documents.rules import DocumentConfig, check_reason
from resolvers.profile.sections import writable_patient
from resolvers.spaces import news
from resolvers.spaces.lifecycle import notice
from storage.documents import DocumentDoc
from storage.stores import Stores

TELL_PATIENT_AFTER = timedelta(days=14)
MAX_PER_RUN = 10_000


Work = Callable[[DocumentDoc, Standing], Awaitable[DocumentDoc]]
STATUSES_OF_A_DOCUMENT = ["available", "replaced", "pending"]  # every version, one on its way


async def _changed(  # noqa: PLR0917 - internal
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    document_id: str,
    action: str,
    work: Work,
) -> DocumentDoc:
    """``work`` done on the current version of a document the actor reads, in an open space.

    Traced once, with the outcome it had: a document the actor may not read, or a rule that
    refuses them (``work`` raising), is ``denied``; only a change that happened is ``allowed``.
    """
    doc, standing = await open_document(
        stores, clock, config.matrix, actor, document_id, action, write=True, trace_allowed=False
    )
    target = ("document", document_id)
    async with refusals_traced(
        stores, clock, actor, patient_id=doc["patient_id"], action=action, target=target,
        emergency=standing.emergency,
    ):  # fmt: skip
        if doc["status"] != "available":
            raise InvalidInput(
                "This version was replaced: change the current one.", field="documentId"
            )
        changed = await work(doc, standing)
    await trace(
        stores, clock, actor, patient_id=doc["patient_id"], action=action, target=target,
        emergency=standing.emergency,
    )  # fmt: skip
    return changed


async def _protect(
    stores: Stores, clock: Clock, doc: DocumentDoc, changes: dict[str, Any]
) -> DocumentDoc:
    """Set ``changes`` on every version of the document (a protection is the document's, not
    one version's: an earlier version must not show what the current one hides), a version on
    its way included; the current version after."""
    await stores.documents.set_on_versions(
        doc["set_id"], STATUSES_OF_A_DOCUMENT, changes, clock.now()
    )
    current = await stores.documents.get(doc["_id"])
    if current is None or current["status"] != "available":
        raise NotFound("No document with this id is visible to you.", field="documentId")
    return current


async def _flag(  # noqa: PLR0917 - internal
    stores: Stores,
    clock: Clock,
    actor: Actor,
    doc: DocumentDoc,
    flag: Flag,
    hidden: bool,
) -> DocumentDoc:
    """Hide (the setter recorded) or show (only by whoever may lift the protection)."""
    if hidden == doc[flag]:
        return doc
    if not hidden:
        set_by = doc.get(f"{flag}_by")
        if not may_lift(actor, doc["patient_id"], set_by if isinstance(set_by, dict) else None):
            raise Forbidden(LIFT_REFUSED)
        return await _protect(stores, clock, doc, {flag: False, f"{flag}_by": None})
    by = await setter(stores, actor)
    return await _protect(stores, clock, doc, {flag: True, f"{flag}_by": by})


async def set_hidden_from_professionals(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str, *,
    hidden: bool,
) -> DocumentDoc:  # fmt: skip
    async def work(doc: DocumentDoc, _: Standing) -> DocumentDoc:
        if actor.kind is not ActorKind.PATIENT:  # the holder or their legal representative
            raise Forbidden("Only the patient hides a document from professionals.")
        return await _flag(stores, clock, actor, doc, "hidden_from_professionals", hidden)

    action = "document.masking_changed"
    return await _changed(stores, clock, config, actor, document_id, action, work)


async def set_hidden_from_representatives(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str, *,
    hidden: bool,
) -> DocumentDoc:  # fmt: skip
    async def work(doc: DocumentDoc, _: Standing) -> DocumentDoc:
        if not (is_holder(actor, doc["patient_id"]) or same_author(actor, doc["author"])):
            raise Forbidden("Only the patient or the author hides a document from representatives.")
        return await _flag(stores, clock, actor, doc, "hidden_from_representatives", hidden)

    action = "document.representatives_visibility_changed"
    return await _changed(stores, clock, config, actor, document_id, action, work)


async def release(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str
) -> DocumentDoc:
    """The announcement consultation took place: the patient sees the document from now on
    (every version of it held back)."""

    async def work(doc: DocumentDoc, _: Standing) -> DocumentDoc:
        if not same_author(actor, doc["author"]):
            raise Forbidden("Only the professional who deposited it releases a document.")
        if not doc["hidden_from_patient"]:
            raise InvalidInput("The patient sees this document already.", field="documentId")
        released = await _protect(
            stores, clock, doc, {"hidden_from_patient": False, "release_at": None}
        )
        await news.document_released(stores, clock, released)
        return released

    return await _changed(stores, clock, config, actor, document_id, "document.released", work)


async def delete(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str
) -> DocumentDoc:
    """The holder deletes a document and its earlier versions: archived now, purged later."""

    async def work(doc: DocumentDoc, _: Standing) -> DocumentDoc:
        if not is_holder(actor, doc["patient_id"]):
            raise Forbidden("Only the holder of the space deletes a document.")
        now = clock.now()
        await stores.documents.set_on_versions(
            doc["set_id"],
            ["available", "replaced"],
            {"status": "archived", "archived_at": now, "purge_after": now + config.purge_delay},
            now,
        )
        archived = await stores.documents.get(doc["_id"])
        assert archived is not None  # noqa: S101 - archived, not removed
        return archived

    return await _changed(stores, clock, config, actor, document_id, "document.deleted", work)


async def withdraw(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str, *,
    reason: str,
) -> DocumentDoc:  # fmt: skip
    async def work(doc: DocumentDoc, _: Standing) -> DocumentDoc:
        if not same_author(actor, doc["author"]):
            raise Forbidden("Only the author withdraws a document.")
        changes = {
            "status": "withdrawn",
            "withdrawn_at": clock.now(),
            "withdrawal_reason": check_reason(reason),
        }
        changed = await stores.documents.change(
            {"_id": doc["_id"], "status": "available"}, changes, clock.now()
        )
        if changed is None:
            raise NotFound("No document with this id is visible to you.", field="documentId")
        return changed

    return await _changed(stores, clock, config, actor, document_id, "document.withdrawn", work)


async def set_hidden_access(
    stores: Stores, clock: Clock, actor: Actor, professional_id: str, granted: bool
) -> bool:
    """The holder lets a professional see documents hidden from professionals, or stops it."""
    if actor.kind is not ActorKind.PATIENT:
        raise Forbidden("Only the holder grants the right to see hidden documents.")
    await writable_patient(
        stores, clock, actor, actor.id, "authorisations.changed",
        target=("professional", professional_id),
    )  # fmt: skip
    if await stores.professionals.get(professional_id) is None:
        raise NotFound("No professional with this id in the directory.", field="professionalId")
    await stores.authorisations.choose(
        actor.id, professional_id, {"sees_hidden": granted}, clock.now()
    )
    return granted


# --- run-due steps -------------------------------------------------------------------------


async def tell_patients_of_held_documents(stores: Stores, clock: Clock) -> int:
    """Held back for two weeks: the patient is told a document waits for them (once)."""
    done = 0
    while done < MAX_PER_RUN:
        now = clock.now()
        doc = await stores.documents.change(
            {
                "hidden_from_patient": True,
                "status": "available",
                "patient_told_at": None,
                "deposited_at": {"$lte": now - TELL_PATIENT_AFTER},
            },
            {"patient_told_at": now},
            now,
        )
        if doc is None:
            break
        await stores.patients.transition(
            {"_id": doc["patient_id"]}, {}, now, [notice("document-waiting")]
        )
        done += 1
    return done


async def release_held_documents(stores: Stores, clock: Clock) -> int:
    """Held back for a month: shown to the patient."""
    done = 0
    while done < MAX_PER_RUN:
        now = clock.now()
        doc = await stores.documents.change(
            {"hidden_from_patient": True, "status": "available", "release_at": {"$lte": now}},
            {"hidden_from_patient": False, "release_at": None},
            now,
        )
        if doc is None:
            break
        await news.document_released(stores, clock, doc)
        done += 1
    return done


async def purge_archived(stores: Stores, clock: Clock) -> int:
    """Deleted documents past their delay: bytes removed, then the record. A purge cut short
    (status ``purging`` for long) is taken up again."""
    done = 0
    while done < MAX_PER_RUN:
        now = clock.now()
        doc = await stores.documents.change(
            {
                "$or": [
                    {"status": "archived", "purge_after": {"$lte": now}},
                    {"status": "purging", "updated_at": {"$lte": now - timedelta(minutes=10)}},
                ]
            },
            {"status": "purging"},
            now,
        )
        if doc is None:
            break
        await stores.objects.delete(doc["object_key"])
        await stores.documents.delete_if(doc["_id"], "purging")
        done += 1
    return done
