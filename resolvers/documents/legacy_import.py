"""Folding a legacy DMP into the space (R1111-40): an IHE XDM archive imported as documents.

Two phases. **Check**: the whole archive before anything is written — the metadata, every
member of the ZIP (none unreferenced, none unsafe or oversized), each file's size and SHA-1,
its format from the content, its CDA header against the entry (same patient, same type), the
codes against the ANS lists (type, class, the type-class pair, format, confidentiality, each
under its coding scheme), the patient's space; a refused archive names every problem at once.

**Write**, all or nothing: the bytes of every new document go to the object store first, each
under a fresh random key; then ONE MongoDB transaction inserts every record, already available,
with its access-history trace. If anything fails before that commit — S3 or MongoDB gone, a
validator refusing a trace, the process cancelled — nothing is visible: the objects written are
deleted at once when the store can still be reached, else they are objects without a record,
which ``espace-sante reconcile`` removes after its grace period. Re-running the import completes
it: the XDS ``uniqueId`` keys each document (``legacy_key``, a unique index), so what a previous
run committed is "already there" (a different hash under the same uniqueId is refused), and
the rest is imported. A patient who objected to the migration gets nothing imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden
from resolvers.documents.deposit import HOLD_BACK, new_object_key
from resolvers.documents.rules import DocumentConfig
from resolvers.documents.xdm.archive import (
    MalformedArchive,
    XdmArchive,
    XdmDocument,
    read_archive,
    verify_contents,
)
from resolvers.documents.xdm.authors import XdmAuthor, XdmIdentifier
from resolvers.documents.xdm.codes import (
    check_format_code,
    checked_class,
    checked_confidentiality,
    checked_type,
)
from resolvers.documents.xdm.content import Content, inspect
from storage.audit import AccessEventDoc
from storage.documents import AuthorDoc, CodedDoc, DocumentDoc, IdentifierDoc
from storage.errors import AlreadyStored
from storage.ids import new_id
from storage.patients import PatientDoc
from storage.stores import Stores

# who the access history names for an import: the migration run by the operator
IMPORTER = {"kind": "operator", "id": "dmp-migration", "client_id": None,
            "name": "Reprise de l'ancien DMP (import IHE XDM)"}  # fmt: skip


@dataclass
class ImportReport:
    patient_id: str | None = None
    imported: int = 0
    already_there: int = 0
    skipped: str | None = None  # why nothing was imported, when nothing was
    document_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Planned:
    source: XdmDocument
    type: CodedDoc
    class_code: CodedDoc
    confidentiality: str
    content: Content


def _plan(archive: XdmArchive) -> tuple[list[_Planned], list[str]]:
    """Every document checked; the plan, and EVERY problem found in the archive."""
    problems = list(archive.problems)
    try:
        verify_contents(archive)
    except MalformedArchive as error:
        problems.extend(error.problems)
    planned: list[_Planned] = []
    for doc in archive.documents:
        before = len(problems)
        type_ = checked_type(doc, problems)
        class_ = checked_class(doc, problems)
        check_format_code(doc, problems)
        level = checked_confidentiality(doc, problems)
        content = inspect(archive, doc, problems)
        if type_ and class_ and content and len(problems) == before:
            planned.append(_Planned(doc, type_, class_, level, content))
    return planned, problems


async def _chunks(archive: XdmArchive, doc: XdmDocument, sha1: Any) -> AsyncIterator[bytes]:
    iterator: Iterator[bytes] = archive.chunks(doc)
    while chunk := await anyio.to_thread.run_sync(next, iterator, b""):
        sha1.update(chunk)
        yield chunk


def _identifier(identifier: XdmIdentifier | None) -> IdentifierDoc | None:
    if identifier is None:
        return None
    return {"system": identifier.system, "value": identifier.value, "oid": identifier.oid}


async def _author(stores: Stores, patient: PatientDoc, item: _Planned) -> AuthorDoc:
    """The author as the metadata (and, for a device, the CDA header) name them."""
    author: XdmAuthor | None = item.source.author
    if author is None:
        return {"kind": "organization", "id": "legacy-dmp", "client_id": None, "rpps": None,
                "profession_code": None, "name": "DMP (auteur non renseigné)"}  # fmt: skip
    ident = author.identifier
    author_id = f"{ident.system.lower()}:{ident.value}" if ident else f"name:{author.name}"
    if author.kind == "patient":
        author_id = patient["_id"]
    elif author.rpps is not None:  # a professional of the directory is the author for the rules
        pro = await stores.professionals.by_rpps(author.rpps)
        author_id = pro["_id"] if pro else author_id
    device = item.content.cda.device if item.content.cda else None
    institution = author.institution
    return {
        "kind": author.kind,
        "id": author_id,
        "client_id": None,
        "rpps": author.rpps,
        "profession_code": author.profession_code,
        "name": device if author.kind == "device" and device else author.name,
        "identifier": _identifier(ident),
        "institution": {"name": institution.name, "identifier": _identifier(institution.identifier)}
        if institution
        else None,
        "specialty": author.specialty,
    }


def _record(patient: PatientDoc, item: _Planned, author: AuthorDoc, now: datetime) -> DocumentDoc:
    doc, id_ = item.source, new_id()
    codes = set(doc.confidentiality)
    hidden_from_patient = "INVISIBLE_PATIENT" in codes
    return {
        "_id": id_,
        "patient_id": patient["_id"],
        "set_id": id_,
        "version": 1,
        "replaces": None,
        "replaced_by": None,
        "status": "available",
        "type": item.type,
        "class_code": item.class_code,
        "title": doc.title[:255],
        "author": author,
        "confidentiality": item.confidentiality,
        "hidden_from_professionals": "MASQUE_PS" in codes,
        # imported as it was: held back from the patient in the old DMP, held back here too
        "hidden_from_patient": hidden_from_patient,
        "hidden_from_representatives": "INVISIBLE_REPRESENTANTS_LEGAUX" in codes,
        "release_at": now + HOLD_BACK if hidden_from_patient else None,
        "patient_told_at": None,
        "created_at": doc.created_at,
        "service_start": doc.service_start,
        "service_stop": doc.service_stop,
        "deposited_at": now,
        "format": item.content.format,
        "size": 0,
        "sha256": "",
        "object_key": new_object_key(),
        "expected": None,
        "expires_at": None,
        "archived_at": None,
        "purge_after": None,
        "withdrawn_at": None,
        "withdrawal_reason": None,
        "updated_at": now,
        "legacy_key": f"{patient['_id']}:{doc.unique_id}",
        "legacy_sha1": doc.sha1,
    }


def _event(record: DocumentDoc, now: datetime) -> AccessEventDoc:
    return {
        "_id": new_id(),
        "patient_id": record["patient_id"],
        "actor": dict(IMPORTER),  # type: ignore[typeddict-item]
        "action": "document.imported",
        "target_type": "document",
        "target_id": record["_id"],
        "at": now,
        "outcome": "allowed",
        "emergency": False,
    }


async def _patient(
    stores: Stores, planned: list[_Planned], archive: XdmArchive
) -> PatientDoc | None:
    docs = [item.source for item in planned] or archive.documents
    if not docs:
        return None
    return await stores.patients.by_ins(docs[0].patient_ins)


async def _new_items(
    stores: Stores, patient: PatientDoc, planned: list[_Planned], problems: list[str]
) -> tuple[list[_Planned], int]:
    """What is not imported yet; a uniqueId imported before with another hash is a problem."""
    keys = {f"{patient['_id']}:{item.source.unique_id}": item for item in planned}
    there = await stores.documents.legacy_hashes(list(keys))
    for key, sha1 in there.items():
        item = keys[key]
        if sha1 is not None and sha1 != item.source.sha1:
            problems.append(
                f"document {item.source.unique_id}: imported before with the hash {sha1}, "
                f"the archive now declares {item.source.sha1}"
            )
    return [item for key, item in keys.items() if key not in there], len(there)


async def _upload(
    stores: Stores, config: DocumentConfig, archive: XdmArchive, item: _Planned, key: str
) -> tuple[int, str]:
    sha1 = hashlib.sha1(usedforsecurity=False)  # XDS declares SHA-1: integrity, not secrecy
    stored = await stores.objects.put(
        key,
        _chunks(archive, item.source, sha1),
        content_type=item.content.format,
        max_size=config.max_bytes,
    )
    if sha1.hexdigest() != item.source.sha1:  # the file changed since it was checked
        raise MalformedArchive([f"document {item.source.unique_id}: changed while imported"])
    return stored.size, stored.sha256


async def _forget(stores: Stores, keys: list[str]) -> None:
    """Remove the objects of an import that did not commit; what cannot be reached now is an
    object without a record, for ``reconcile``. Runs to its end even when cancelled."""
    with anyio.CancelScope(shield=True):
        for key in keys:
            try:
                await stores.objects.delete(key)
            except Exception:  # noqa: S112 - left for reconcile, by design
                continue


async def _write(
    stores: Stores,
    clock: Clock,
    config: DocumentConfig,
    archive: XdmArchive,
    *,
    patient: PatientDoc,
    items: list[_Planned],
) -> list[str]:
    """The bytes, then every record and trace in one transaction; nothing visible otherwise."""
    records: list[DocumentDoc] = []
    keys: list[str] = []
    try:
        for item in items:
            record = _record(patient, item, await _author(stores, patient, item), clock.now())
            keys.append(record["object_key"])
            record["size"], record["sha256"] = await _upload(
                stores, config, archive, item, record["object_key"]
            )
            records.append(record)
        now = clock.now()
        for record in records:
            record["deposited_at"] = record["updated_at"] = now
        events = [_event(record, now) for record in records]

        # One attempt: a failed import is simply run again.
        await stores.insert_together([(stores.documents, records), (stores.access_events, events)])
    except BaseException:
        await _forget(stores, keys)
        raise
    return [record["_id"] for record in records]


async def import_archive(
    stores: Stores, clock: Clock, config: DocumentConfig, archive: XdmArchive
) -> ImportReport:
    """Import ``archive`` into its patient's space; raises ``MalformedArchive`` naming every
    problem, before any write, when anything in it is wrong or no open space has its patient."""
    report = ImportReport()
    planned, problems = await anyio.to_thread.run_sync(_plan, archive)
    patient = await _patient(stores, planned, archive)
    if patient is None or patient["space"]["status"] not in ("open", "active"):
        docs = archive.documents
        ins = docs[0].patient_ins if docs else ""
        problems.append(f"no open space for the patient {ins[:5]}… of this archive")
    if patient is not None:
        items, report.already_there = await _new_items(stores, patient, planned, problems)
    if problems or patient is None:
        raise MalformedArchive(problems)
    report.patient_id = patient["_id"]
    if patient["space"].get("legacy_import_objected_at") is not None:
        report.skipped = "the patient objected to the migration of their DMP"
        report.already_there = 0
        return report
    if items:
        try:
            report.document_ids = await _write(
                stores, clock, config, archive, patient=patient, items=items
            )
        except AlreadyStored:  # another run committed them meanwhile
            items, report.already_there = await _new_items(stores, patient, planned, problems)
            if items or problems:
                raise
    report.imported = len(report.document_ids)
    return report


async def import_file(
    stores: Stores, clock: Clock, config: DocumentConfig, path: Path
) -> ImportReport:
    """Open the archive at ``path`` (every problem of its structure kept, not raised alone) and
    import it: the one way in for the CLI."""
    with read_archive(path, strict=False, max_member_bytes=config.max_bytes) as archive:
        return await import_archive(stores, clock, config, archive)


async def set_migration_objection(
    stores: Stores, clock: Clock, actor: Actor, objected: bool
) -> bool:
    """The holder objects to their old DMP being folded into the space, or withdraws that."""
    if actor.kind is not ActorKind.PATIENT:
        raise Forbidden("Only the holder objects to the migration of their DMP.")
    now = clock.now()
    changed = await stores.patients.transition(
        {"_id": actor.id, "space.status": {"$in": ["open", "active"]}},
        {"space.legacy_import_objected_at": now if objected else None},
        now,
    )
    if changed is None:
        raise Forbidden("The space is not open.")
    return objected
