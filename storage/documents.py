"""Health documents: metadata in MongoDB, bytes in the object store under an opaque key."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from pymongo import ASCENDING, DESCENDING, IndexModel

from storage.repository import Repository


class CodedDoc(TypedDict):
    code: str
    label: str
    system: str


class AuthorDoc(TypedDict):
    professional_id: str | None
    rpps: str | None
    profession_code: str | None
    name: str


class DocumentDoc(TypedDict):
    _id: str
    patient_id: str
    type: CodedDoc  # JDV_J66, mostly LOINC
    class_code: CodedDoc  # JDV_J06
    title: str
    author: AuthorDoc
    confidentiality: list[str]  # JDV_J58 codes
    created_at: datetime  # when the author wrote it
    service_start: datetime | None
    service_stop: datetime | None
    deposited_at: datetime
    format: str  # media type
    size: int
    sha256: str
    object_key: str  # opaque: never derived from the patient


class DocumentRepository(Repository[DocumentDoc]):
    name = "documents"
    indexes = (
        IndexModel(
            [("patient_id", ASCENDING), ("deposited_at", DESCENDING), ("_id", DESCENDING)],
            name="patient_newest_first",
        ),
        IndexModel([("object_key", ASCENDING)], name="object_key_unique", unique=True),
    )
