"""Folding a legacy DMP into the space (R1111-40): an IHE XDM archive imported as documents.

The whole archive is checked before anything is written — metadata, every file's size and
SHA-1 against it, codes against the official lists, each format recognised from the content —
so a malformed archive is refused with every problem named and nothing half-imported. Each
document is then deposited like any other (pending record, bytes, checked, made current) under
a key made of the patient and its XDS ``uniqueId``: importing the same archive twice adds
nothing. A patient who objected to the migration gets nothing imported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import anyio.to_thread

from resolvers.actors import Actor, ActorKind
from resolvers.clock import Clock
from resolvers.document_rules import DocumentConfig
from resolvers.documents import Measured, discard, finish, new_object_key
from resolvers.errors import Forbidden
from resolvers.formats import DECLARED, HEAD_SIZE, detect
from resolvers.terminology import CodeList, terminology
from resolvers.xdm import MalformedArchive, XdmArchive, XdmDocument, verify_contents
from storage.documents import CodedDoc, DocumentDoc
from storage.ids import new_id
from storage.patients import PatientDoc
from storage.stores import Stores

VISIBILITY_CODES = {"MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX"}


@dataclass
class ImportReport:
    patient_id: str | None = None
    imported: int = 0
    already_there: int = 0
    skipped: str | None = None  # why nothing was imported, when nothing was
    document_ids: list[str] = field(default_factory=list)


def _coded(code_lists: tuple[CodeList, ...], code: str) -> CodedDoc | None:
    for code_list in code_lists:
        concept = terminology(code_list).get(code)
        if concept is not None:
            return {"code": concept.code, "label": concept.label, "system": concept.system}
    return None


@dataclass(frozen=True, slots=True)
class _Planned:
    source: XdmDocument
    type: CodedDoc
    class_code: CodedDoc
    format: str


def _head(archive: XdmArchive, doc: XdmDocument) -> bytes:
    head = b""
    for chunk in archive.chunks(doc, HEAD_SIZE):
        head += chunk
        if len(head) >= HEAD_SIZE:
            break
    return head[:HEAD_SIZE]


def _plan(archive: XdmArchive) -> list[_Planned]:
    """Every document checked against the code lists and its content; raises with all problems."""
    verify_contents(archive)
    problems: list[str] = []
    planned: list[_Planned] = []
    for doc in archive.documents:
        name = f"document {doc.unique_id}"
        type_ = _coded((CodeList.DOCUMENT_TYPES, CodeList.XDS_TYPES), doc.type.code)
        class_ = _coded((CodeList.DOCUMENT_CLASSES,), doc.class_code.code)
        levels = [c for c in doc.confidentiality if c not in VISIBILITY_CODES]
        found = detect(_head(archive, doc))
        declared = DECLARED.get(doc.mime_type.split(";")[0].strip().lower())
        if type_ is None:
            problems.append(f"{name}: typeCode {doc.type.code!r} is in no DMP code list")
        if class_ is None:
            problems.append(f"{name}: classCode {doc.class_code.code!r} is not a JDV_J06 code")
        if any(level not in ("N", "R", "V") for level in levels):
            problems.append(f"{name}: confidentialityCode {levels} is not N, R or V")
        if found is None:
            problems.append(f"{name}: the file is none of the accepted formats")
        elif declared is not None and declared != found:
            problems.append(f"{name}: mimeType {doc.mime_type!r} but the file is {found}")
        if type_ and class_ and found:
            planned.append(_Planned(doc, type_, class_, found))
    if problems:
        raise MalformedArchive(problems)
    return planned


async def _chunks(archive: XdmArchive, doc: XdmDocument) -> AsyncIterator[bytes]:
    iterator: Iterator[bytes] = archive.chunks(doc)
    while chunk := await anyio.to_thread.run_sync(next, iterator, b""):
        yield chunk


def _record(
    patient: PatientDoc, item: _Planned, config: DocumentConfig, now: datetime
) -> DocumentDoc:
    doc, id_ = item.source, new_id()
    levels = [c for c in doc.confidentiality if c not in VISIBILITY_CODES]
    author = doc.author
    return {
        "_id": id_,
        "patient_id": patient["_id"],
        "set_id": id_,
        "version": 1,
        "replaces": None,
        "replaced_by": None,
        "status": "pending",
        "type": item.type,
        "class_code": item.class_code,
        "title": doc.title[:255],
        "author": {
            "kind": "professional" if author and author.rpps else "legacy",
            "id": f"rpps:{author.rpps}" if author and author.rpps else "legacy-dmp",
            "client_id": None,
            "rpps": author.rpps if author else None,
            "profession_code": author.profession_code if author else None,
            "name": author.name if author else "DMP",
        },
        "confidentiality": max(levels or ["N"], key=("N", "R", "V").index),
        "hidden_from_professionals": "MASQUE_PS" in doc.confidentiality,
        # imported as it was: held-back documents of the old DMP stay held back, for a month
        "hidden_from_patient": "INVISIBLE_PATIENT" in doc.confidentiality,
        "hidden_from_representatives": "INVISIBLE_REPRESENTANTS_LEGAUX" in doc.confidentiality,
        "release_at": None,
        "patient_told_at": None,
        "created_at": doc.created_at,
        "service_start": doc.service_start,
        "service_stop": doc.service_stop,
        "deposited_at": now,
        "format": item.format,
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
        "legacy_key": f"{patient['_id']}:{doc.unique_id}",
    }


async def import_archive(
    stores: Stores, clock: Clock, config: DocumentConfig, archive: XdmArchive
) -> ImportReport:
    """Import ``archive`` into its patient's space; raises ``MalformedArchive`` before any write
    when anything in it is wrong, or when no open space has its patient's INS."""
    report = ImportReport()
    planned = await anyio.to_thread.run_sync(_plan, archive)
    ins = planned[0].source.patient_ins
    patient = await stores.patients.by_ins(ins)
    if patient is None or patient["space"]["status"] not in ("open", "active"):
        raise MalformedArchive([f"no open space for the patient {ins[:5]}… of this archive"])
    report.patient_id = patient["_id"]
    if patient["space"].get("legacy_import_objected_at") is not None:
        report.skipped = "the patient objected to the migration of their DMP"
        return report
    for item in planned:
        key = f"{patient['_id']}:{item.source.unique_id}"
        if await stores.documents.exists({"legacy_key": key}):
            report.already_there += 1
            continue
        record = _record(patient, item, config, clock.now())
        if not await stores.documents.insert_new(record):  # another import got there first
            report.already_there += 1
            continue
        try:
            stored = await stores.objects.put(
                record["object_key"], _chunks(archive, item.source), content_type=item.format
            )
        except BaseException:
            await discard(stores, record)  # or left pending, for reconcile: run again later
            raise
        await finish(stores, clock, record, Measured(stored.size, stored.sha256, item.format))
        report.imported += 1
        report.document_ids.append(record["_id"])
    return report


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
