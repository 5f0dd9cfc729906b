"""What happens to a document after its deposit: hiding and showing it, deleting, withdrawing,
and the time rules that ``run-due`` applies.

- The holder hides a document from professionals, or shows it again (MASQUE_PS), and grants or
  takes back, per professional, the right to see hidden documents.
- The depositing professional releases a document held back from the patient; without that, it
  shows by itself one month after deposit, the patient told at two weeks (R1111-53).
- The author or the holder hides a document from legal representatives, or shows it again.
- The holder deletes a document (every version): archived at once, bytes purged later.
- The author withdraws a document, with a reason: nobody sees it any more.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from resolvers.actors import Actor, ActorKind
from resolvers.clock import Clock
from resolvers.document_rules import DocumentConfig, check_reason
from resolvers.errors import Forbidden, InvalidInput, NotFound
from resolvers.guard import open_document
from resolvers.profile import writable_patient
from resolvers.spaces import notice
from storage.documents import DocumentDoc
from storage.stores import Stores

TELL_PATIENT_AFTER = timedelta(days=14)
MAX_PER_RUN = 10_000


async def _current(  # noqa: PLR0917 - internal
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    document_id: str,
    action: str,
) -> DocumentDoc:
    """The current version of a document the actor reads, in an open space; traced."""
    doc, _ = await open_document(
        stores, clock, config.matrix, actor, document_id, action, write=True
    )
    if doc["status"] != "available":
        raise InvalidInput("This version was replaced: change the current one.", field="documentId")
    return doc


def _is_holder(actor: Actor, doc: DocumentDoc) -> bool:
    return actor.kind is ActorKind.PATIENT and actor.id == doc["patient_id"]


def _is_author(actor: Actor, doc: DocumentDoc) -> bool:
    return doc["author"]["id"] == actor.id and doc["author"]["kind"] == actor.kind.value


async def _set(
    stores: Stores, clock: Clock, doc: DocumentDoc, changes: dict[str, Any]
) -> DocumentDoc:
    changed = await stores.documents.change(
        {"_id": doc["_id"], "status": "available"}, changes, clock.now()
    )
    if changed is None:
        raise NotFound("No document with this id is visible to you.", field="documentId")
    return changed


async def set_hidden_from_professionals(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str, *,
    hidden: bool,
) -> DocumentDoc:  # fmt: skip
    doc = await _current(stores, clock, config, actor, document_id, "document.masking_changed")
    if actor.kind is not ActorKind.PATIENT:  # the holder or their legal representative
        raise Forbidden("Only the patient hides a document from professionals.")
    return await _set(stores, clock, doc, {"hidden_from_professionals": hidden})


async def set_hidden_from_representatives(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str, *,
    hidden: bool,
) -> DocumentDoc:  # fmt: skip
    doc = await _current(
        stores, clock, config, actor, document_id, "document.representatives_visibility_changed"
    )
    if not (_is_holder(actor, doc) or _is_author(actor, doc)):
        raise Forbidden("Only the patient or the author hides a document from representatives.")
    return await _set(stores, clock, doc, {"hidden_from_representatives": hidden})


async def release(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str
) -> DocumentDoc:
    """The announcement consultation took place: the patient sees the document from now on."""
    doc = await _current(stores, clock, config, actor, document_id, "document.released")
    if not _is_author(actor, doc):
        raise Forbidden("Only the professional who deposited it releases a document.")
    if not doc["hidden_from_patient"]:
        raise InvalidInput("The patient sees this document already.", field="documentId")
    return await _set(stores, clock, doc, {"hidden_from_patient": False, "release_at": None})


async def delete(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str
) -> DocumentDoc:
    """The holder deletes a document and its earlier versions: archived now, purged later."""
    doc = await _current(stores, clock, config, actor, document_id, "document.deleted")
    if not _is_holder(actor, doc):
        raise Forbidden("Only the holder of the space deletes a document.")
    now = clock.now()
    await stores.documents.collection.update_many(
        {"set_id": doc["set_id"], "status": {"$in": ["available", "replaced"]}},
        {
            "$set": {
                "status": "archived",
                "archived_at": now,
                "purge_after": now + config.purge_delay,
                "updated_at": now,
            }
        },
    )
    archived = await stores.documents.get(doc["_id"])
    assert archived is not None  # noqa: S101 - archived, not removed
    return archived


async def withdraw(
    stores: Stores, clock: Clock, config: DocumentConfig, actor: Actor, document_id: str, *,
    reason: str,
) -> DocumentDoc:  # fmt: skip
    doc = await _current(stores, clock, config, actor, document_id, "document.withdrawn")
    if not _is_author(actor, doc):
        raise Forbidden("Only the author withdraws a document.")
    now = clock.now()
    return await _set(
        stores,
        clock,
        doc,
        {"status": "withdrawn", "withdrawn_at": now, "withdrawal_reason": check_reason(reason)},
    )


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
        await stores.documents.collection.delete_one({"_id": doc["_id"], "status": "purging"})
        done += 1
    return done
