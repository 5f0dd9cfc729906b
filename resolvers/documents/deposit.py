"""Depositing documents: bytes into the object store, checked, then the record made visible.

Order of writes, so that a failure anywhere leaves something ``reconcile`` can repair and never
a visible record without its bytes:

1. a ``pending`` record naming the (random, opaque) object key — invisible to every query;
2. the bytes, streamed: size, SHA-256 and format computed on the way, the upload aborted at the
   first refused byte (too large, not an accepted format);
3. the record completed with what was measured; for a new version, the previous one marked
   ``replaced``; then the record made ``available``.

Two ways in: a GraphQL multipart upload (``deposit``, here), or a requested upload the client
PUTs straight to S3 (or to the API's upload route) and then confirms (``resolvers.documents.
uploads``), which checks size, hash and format before the record exists for anyone.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio

from resolvers.access.authorship import same_author
from resolvers.access.policy import document_decision, standing_of
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import author_of, trace
from resolvers.core.clock import Clock
from resolvers.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from resolvers.documents._formats import HEAD_SIZE, check_format, declared_format
from resolvers.documents._protections import inherited, setter
from resolvers.documents.rules import DocumentConfig, Metadata, MetadataInput, check_metadata
from resolvers.documents.timeliness import establishment_of, measure
from resolvers.profile.sections import writable_patient
from resolvers.spaces import news
from storage.documents import AuthorDoc, DocumentDoc
from storage.errors import ObjectTooLarge
from storage.ids import new_id
from storage.stores import Stores

HOLD_BACK = timedelta(days=30)  # R1111-53: visible to the patient one month after deposit
OBJECT_PREFIX = "objects/"
REPLACED_MISSING = "No current document with this id in the space."


def new_object_key() -> str:
    """Random, so nothing about the patient or the document can be read from a bucket path."""
    return OBJECT_PREFIX + secrets.token_hex(16)


async def document_author(stores: Stores, actor: Actor) -> AuthorDoc:
    """The author as documents record them: a professional with RPPS and profession, read once."""
    if actor.kind is ActorKind.PROFESSIONAL:
        pro = await stores.professionals.get(actor.id)
        return {
            "kind": actor.kind.value,
            "id": actor.id,
            "client_id": actor.client_id,
            "rpps": pro["rpps"] if pro else actor.rpps,
            "profession_code": pro["profession_code"] if pro else actor.profession_code,
            "name": f"{pro['first_name']} {pro['last_name']}" if pro else "professionnel de santé",
            "finess": establishment_of(pro),
        }
    base = await author_of(stores, actor)
    return {
        "kind": base["kind"],
        "id": base["id"],
        "client_id": base["client_id"],
        "name": base["name"],
        "rpps": None,
        "profession_code": None,
    }


@dataclass(frozen=True, slots=True)
class Measured:
    size: int
    sha256: str
    format: str


class _Inspector:
    """Passes chunks through, keeping the first bytes to recognise the format as soon as there
    are enough of them (so a refused upload stops early, not after the last byte)."""

    def __init__(self, chunks: AsyncIterable[bytes], declared: str) -> None:
        self._chunks = chunks
        self._declared = declared
        self._head = b""
        self.format: str | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks:
            if self.format is None:
                self._head += chunk[: HEAD_SIZE - len(self._head)]
                if len(self._head) >= HEAD_SIZE:
                    self.format = check_format(self._head, self._declared)
            yield chunk
        if self.format is None:
            if not self._head:
                raise InvalidInput("the file is empty", field="file")
            self.format = check_format(self._head, self._declared)


async def pending_record(
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    *,
    patient_id: str,
    metadata: Metadata,
    replaces: str | None,
) -> DocumentDoc:
    now = clock.now()
    predecessor = (
        await _replaceable(stores, clock, config, actor, patient_id, replaces) if replaces else None
    )
    id_ = new_id()
    author = await document_author(stores, actor)
    by = await setter(stores, actor)
    record: DocumentDoc = {
        "_id": id_,
        "patient_id": patient_id,
        "set_id": predecessor["set_id"] if predecessor else id_,
        "version": predecessor["version"] + 1 if predecessor else 1,
        "replaces": predecessor["_id"] if predecessor else None,
        "replaced_by": None,
        "status": "pending",
        "type": metadata.type,
        "class_code": metadata.class_code,
        "title": metadata.title,
        "author": author,
        "confidentiality": metadata.confidentiality,
        # a predecessor's protections are added when the replacement takes effect (``finish``)
        "hidden_from_professionals": metadata.hidden_from_professionals,
        "hidden_from_professionals_by": by if metadata.hidden_from_professionals else None,
        "hidden_from_patient": metadata.hidden_from_patient,
        "hidden_from_representatives": metadata.hidden_from_representatives,
        "hidden_from_representatives_by": by if metadata.hidden_from_representatives else None,
        "release_at": None,
        "patient_told_at": None,
        "created_at": metadata.created_at,
        "service_start": metadata.service_start,
        "service_stop": metadata.service_stop,
        "deposited_at": now,
        "format": "",
        "size": 0,
        "sha256": "",
        "object_key": new_object_key(),
        "expected": None,
        "expires_at": now + config.upload_ttl,
        "archived_at": None,
        "purge_after": None,
        "withdrawn_at": None,
        "withdrawal_reason": None,
        "updated_at": now,
    }
    return record


async def _replaceable(  # noqa: PLR0917 - internal
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    patient_id: str,
    document_id: str,
) -> DocumentDoc:
    """The current version the actor replaces: theirs (an app: its own OAuth client's). One the
    actor may not read is refused as if it did not exist."""
    previous = await stores.documents.current_of(document_id, patient_id)
    missing = NotFound(REPLACED_MISSING, field="replaces")
    if previous is None:
        raise missing
    if same_author(actor, previous["author"]):
        return previous
    patient = await stores.patients.get(patient_id)
    standing = await standing_of(stores, clock, actor, patient) if patient else None
    if standing is None or not document_decision(standing, actor, config.matrix, previous).allowed:
        raise missing
    raise Forbidden("Only the author of a document deposits a new version of it.")


async def discard(stores: Stores, record: DocumentDoc) -> bool:
    """Remove a pending record's bytes, then the record: ``False`` (both left for
    ``reconcile``) when the store cannot be reached. Runs to its end even when cancelled."""
    with anyio.CancelScope(shield=True):
        try:
            await stores.objects.delete(record["object_key"])
            await stores.documents.delete_if(record["_id"], "pending")
        except Exception:
            return False
    return True


async def finish(
    stores: Stores, clock: Clock, record: DocumentDoc, measured: Measured
) -> DocumentDoc:
    """Make a pending record whose bytes are stored and checked the current document."""
    now = clock.now()
    changes: dict[str, Any] = {
        "size": measured.size,
        "sha256": measured.sha256,
        "format": measured.format,
        "deposited_at": now,
        "timeliness": measure(record, now),  # R1111-42: measured, never refused
    }
    if record["hidden_from_patient"]:
        changes["release_at"] = now + HOLD_BACK
    verified = await stores.documents.change(
        {"_id": record["_id"], "status": "pending"}, changes, now
    )
    if verified is None:
        raise Conflict("This upload was abandoned or confirmed already.", field="documentId")
    kept: dict[str, Any] = {}
    if record["replaces"] is not None:
        replaced = await stores.documents.change(
            {"_id": record["replaces"], "status": "available"},
            {"status": "replaced", "replaced_by": record["_id"]},
            now,
        )
        if replaced is None:
            await discard(stores, record)
            raise Conflict("The document was replaced or removed meanwhile.", field="replaces")
        kept = inherited(replaced, verified)  # read now: a protection set meanwhile is kept
    done = await stores.documents.change(
        {"_id": record["_id"], "status": "pending"},
        {**kept, "status": "available", "expires_at": None, "expected": None},
        now,
    )
    if done is None:  # abandoned by reconcile in between: it finished the replacement itself
        raise Conflict("This upload was abandoned or confirmed already.", field="documentId")
    await trace(
        stores, clock, done["author"], patient_id=done["patient_id"],
        action="document.deposited", target=("document", done["_id"]),
    )  # fmt: skip
    await news.document_visible(stores, clock, done)
    return done


async def store_bytes(
    stores: Stores, record: DocumentDoc, chunks: AsyncIterable[bytes], declared: str, limit: int
) -> Measured:
    inspector = _Inspector(chunks, declared)
    try:
        stored = await stores.objects.put(
            record["object_key"], inspector, content_type=declared, max_size=limit
        )
    except ObjectTooLarge:
        raise InvalidInput(f"the file is larger than {limit} bytes", field="file") from None
    assert inspector.format is not None  # noqa: S101 - set once the stream ended
    return Measured(stored.size, stored.sha256, inspector.format)


async def deposit(
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    actor: Actor,
    *,
    patient_id: str,
    metadata: MetadataInput,
    content_type: str,
    chunks: AsyncIterable[bytes],
    replaces: str | None = None,
) -> DocumentDoc:
    """Deposit a document whose bytes come with the request (the multipart upload)."""
    await writable_patient(
        stores, clock, actor, patient_id, "document.deposited", trace_allowed=False
    )
    checked = check_metadata(metadata, actor, clock.now())
    declared = declared_format(content_type)
    record = await pending_record(
        stores, clock, config, actor, patient_id=patient_id, metadata=checked, replaces=replaces
    )
    await stores.documents.insert(record)
    try:
        measured = await store_bytes(stores, record, chunks, declared, config.multipart_max_bytes)
    except BaseException:
        await discard(stores, record)
        raise
    return await finish(stores, clock, record, measured)
