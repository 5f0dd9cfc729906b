"""Building access situations straight in the stores: professionals of any profession, documents
(metadata only: the access rules never look at the bytes), care-team links, consents, blocks and
emergency accesses."""

from __future__ import annotations

from datetime import datetime, timedelta

from resolvers.core.identity import luhn_check_digit
from resolvers.core.terminology import CodeList, terminology
from storage.access import EmergencyAccessDoc
from storage.documents import DocumentDoc
from storage.ids import new_id
from storage.professionals import ProfessionalDoc
from storage.profile import AuthorDoc, EntryDoc
from storage.stores import Stores


def rpps(index: int) -> str:
    base = f"2{index:09d}"
    return base + str(luhn_check_digit(base))


async def make_professional(
    stores: Stores, now: datetime, index: int, profession: str
) -> ProfessionalDoc:
    doc: ProfessionalDoc = {
        "_id": new_id(),
        "rpps": rpps(index),
        "first_name": "Prénom",
        "last_name": f"PRO{index}",
        "profession_code": profession,
        "specialty_code": None,
        "practice": None,
        "created_at": now,
        "updated_at": now,
    }
    await stores.professionals.insert(doc)
    return doc


async def make_document(
    stores: Stores,
    now: datetime,
    patient_id: str,
    author: ProfessionalDoc,
    *,
    type_code: str,
    hidden_from_professionals: bool = False,
) -> DocumentDoc:
    concept = terminology(CodeList.DOCUMENT_TYPES).by_code[type_code]
    doc_id = new_id()
    doc: DocumentDoc = {
        "_id": doc_id,
        "patient_id": patient_id,
        "set_id": doc_id,
        "version": 1,
        "replaces": None,
        "replaced_by": None,
        "status": "available",
        "type": {"code": concept.code, "label": concept.label, "system": concept.system},
        "class_code": {"code": "10", "label": "Compte rendu", "system": "urn:test"},
        "title": f"{type_code} {'masqué' if hidden_from_professionals else 'visible'}",
        "author": {
            "kind": "professional",
            "id": author["_id"],
            "client_id": "test",
            "rpps": author["rpps"],
            "profession_code": author["profession_code"],
            "name": f"{author['first_name']} {author['last_name']}",
        },
        "confidentiality": "N",
        "hidden_from_professionals": hidden_from_professionals,
        "hidden_from_patient": False,
        "hidden_from_representatives": False,
        "release_at": None,
        "patient_told_at": None,
        "created_at": now,
        "service_start": None,
        "service_stop": None,
        "deposited_at": now,
        "format": "application/pdf",
        "size": 1,
        "sha256": "0" * 64,
        "object_key": "objects/" + doc_id,
        "expected": None,
        "expires_at": None,
        "archived_at": None,
        "purge_after": None,
        "withdrawn_at": None,
        "withdrawal_reason": None,
        "updated_at": now,
    }
    await stores.documents.insert(doc)
    return doc


async def link_to_care_team(
    stores: Stores, now: datetime, patient_id: str, professional_id: str, role: str = "follows"
) -> None:
    by: AuthorDoc = {"kind": "patient", "id": patient_id, "client_id": "test", "name": "Patient"}
    entry: EntryDoc = {
        "_id": new_id(),
        "patient_id": patient_id,
        "section": "care-team",
        "data": {"professional_id": professional_id, "role": role},
        "created_by": by,
        "created_at": now,
        "updated_by": by,
        "updated_at": now,
        "deleted_at": None,
    }
    await stores.profile_entries.insert(entry)


async def open_emergency(
    stores: Stores, now: datetime, patient_id: str, professional_id: str, hours: int = 4
) -> None:
    access: EmergencyAccessDoc = {
        "_id": new_id(),
        "patient_id": patient_id,
        "professional_id": professional_id,
        "client_id": "test",
        "reason": "inconscient aux urgences",
        "started_at": now,
        "expires_at": now + timedelta(hours=hours),
    }
    await stores.emergency_accesses.insert(access)
