"""The demo documents, written with real bytes (PDF, CDA or text) when missing."""

from __future__ import annotations

import hashlib

from resolvers.core.identity import matricule_authority
from resolvers.core.terminology import CodeList, Concept, terminology
from resolvers.demo import _files as demo_files
from resolvers.demo._cast import (
    DOCUMENTS,
    PATIENTS,
    PROFESSIONALS,
    DemoDocument,
    DemoPatient,
    DemoProfessional,
    matricule_of,
    rpps_of,
    stable_id,
)
from storage.documents import DocumentDoc
from storage.objects import StoredObject
from storage.stores import Stores


async def seed_documents(stores: Stores) -> int:
    """Write the demo documents that are missing; how many were."""
    created = 0
    for doc in DOCUMENTS:
        if await stores.documents.get(stable_id(f"document:{doc.name}")) is None:
            await _seed_document(stores, doc)
            created += 1
    return created


async def _seed_document(stores: Stores, doc: DemoDocument) -> None:
    patient = next(p for p in PATIENTS if p.name == doc.patient)
    author = next(p for p in PROFESSIONALS if p.name == doc.author)
    data, media_type = _content(doc, patient, author)
    # Bytes first, record second: a record never points at missing bytes, and a retry after a
    # failure in between overwrites the same (deterministic, opaque) key with the same bytes.
    key = f"objects/{hashlib.sha256(f'demo-object:{doc.name}'.encode()).hexdigest()[:32]}"
    stored = await stores.objects.put_bytes(key, data, content_type=media_type)
    await stores.documents.insert_if_missing(_record(doc, author, key, media_type, stored))


def _content(
    doc: DemoDocument, patient: DemoPatient, author: DemoProfessional
) -> tuple[bytes, str]:
    """The document's bytes and media type."""
    author_name = f"{author.first_name} {author.last_name}"
    if doc.kind == "pdf":
        return demo_files.pdf(doc.title, [*doc.lines, f"— {author_name}"]), "application/pdf"
    if doc.kind == "cda":
        doc_type = _concept(CodeList.DOCUMENT_TYPES, doc.type_code)
        matricule = matricule_of(patient.first13)
        data = demo_files.cda(
            document_id=stable_id(f"document:{doc.name}"),
            type_code=doc_type.code,
            type_label=doc_type.label,
            title=doc.title,
            effective=doc.written,
            ins_matricule=matricule,
            ins_oid=matricule_authority(matricule),
            patient_given=patient.first_names[0],
            patient_family=patient.birth_names,
            author_rpps=rpps_of(author.rpps10),
            author_name=author_name,
            paragraphs=list(doc.lines),
        )
        return data, "text/xml"
    return ("\n".join([doc.title, "", *doc.lines]) + "\n").encode(), "text/plain"


def _concept(code_list: CodeList, code: str) -> Concept:
    return terminology(code_list).by_code[code]


def _record(
    doc: DemoDocument,
    author: DemoProfessional,
    key: str,
    media_type: str,
    stored: StoredObject,
) -> DocumentDoc:
    doc_id = stable_id(f"document:{doc.name}")
    doc_type = _concept(CodeList.DOCUMENT_TYPES, doc.type_code)
    doc_class = _concept(CodeList.DOCUMENT_CLASSES, doc.class_code)
    return {
        "_id": doc_id,
        "patient_id": stable_id(f"patient:{doc.patient}"),
        "set_id": doc_id,
        "version": 1,
        "replaces": None,
        "replaced_by": None,
        "status": "available",
        "type": {"code": doc_type.code, "label": doc_type.label, "system": doc_type.system},
        "class_code": {
            "code": doc_class.code,
            "label": doc_class.label,
            "system": doc_class.system,
        },
        "title": doc.title,
        "author": {
            "kind": "professional",
            "id": stable_id(f"professional:{author.name}"),
            "client_id": None,
            "rpps": rpps_of(author.rpps10),
            "profession_code": author.profession_code,
            "name": f"{author.first_name} {author.last_name}",
        },
        "confidentiality": "N",
        "hidden_from_professionals": False,
        "hidden_from_patient": False,
        "hidden_from_representatives": False,
        "release_at": None,
        "patient_told_at": None,
        "created_at": doc.written,
        "service_start": doc.written,
        "service_stop": None,
        "deposited_at": doc.written,
        "format": media_type,
        "size": stored.size,
        "sha256": stored.sha256,
        "object_key": key,
        "expected": None,
        "expires_at": None,
        "archived_at": None,
        "purge_after": None,
        "withdrawn_at": None,
        "withdrawal_reason": None,
        "updated_at": doc.written,
    }
