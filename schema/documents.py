"""Health documents as GraphQL types: the document, its author, and the list of a patient's."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from resolvers import document_reads
from resolvers.document_reads import DocumentFilter
from resolvers.terminology import CodeList, terminology
from schema.context import Info
from schema.pagination import Connection, connection
from schema.permissions import scoped
from schema.spaces import actor
from schema.terminology import Concept
from storage.documents import CodedDoc, DocumentDoc


@strawberry.enum(description="Where a document is in its life.")
class DocumentStatus(Enum):
    CURRENT = "available"
    REPLACED = "replaced"
    ARCHIVED = "archived"
    WITHDRAWN = "withdrawn"


@strawberry.type(description="Who wrote the document.")
class DocumentAuthor:
    kind: str = strawberry.field(description="professional, patient or app.")
    name: str
    rpps: str | None
    profession: Concept | None = strawberry.field(description="TRE_G15 profession.")


def _concept(doc: CodedDoc) -> Concept:
    return Concept(code=doc["code"], label=doc["label"], system=doc["system"])


@strawberry.type(description="A health document: metadata in the XDS spirit; bytes on request.")
class Document:
    id: strawberry.ID
    doc: strawberry.Private[DocumentDoc]

    @strawberry.field(description="Document type (JDV_J66, LOINC).")
    def type(self) -> Concept:
        return _concept(self.doc["type"])

    @strawberry.field(description="Document class (JDV_J06).")
    def class_code(self) -> Concept:
        return _concept(self.doc["class_code"])

    @strawberry.field
    def title(self) -> str:
        return self.doc["title"]

    @strawberry.field
    def author(self) -> DocumentAuthor:
        author = self.doc["author"]
        code = author["profession_code"]
        profession = terminology(CodeList.PROFESSIONS).get(code) if code else None
        return DocumentAuthor(
            kind=author["kind"],
            name=author["name"],
            rpps=author["rpps"],
            profession=Concept.from_record(profession) if profession else None,
        )

    @strawberry.field(description="When the author wrote it (the act).")
    def created_at(self) -> datetime:
        return self.doc["created_at"]

    @strawberry.field
    def service_start(self) -> datetime | None:
        return self.doc["service_start"]

    @strawberry.field
    def service_stop(self) -> datetime | None:
        return self.doc["service_stop"]

    @strawberry.field
    def deposited_at(self) -> datetime:
        return self.doc["deposited_at"]

    @strawberry.field(description="Media type, as recognised from the content.")
    def format(self) -> str:
        return self.doc["format"]

    @strawberry.field(description="Size in bytes.")
    def size(self) -> float:
        return float(self.doc["size"])

    @strawberry.field(description="SHA-256 of the bytes, hexadecimal.")
    def sha256(self) -> str:
        return self.doc["sha256"]

    @strawberry.field(description="HL7 confidentiality: N, R or V.")
    def confidentiality(self) -> str:
        return self.doc["confidentiality"]

    @strawberry.field(
        description="Every JDV_J58 code that applies: the HL7 level, and MASQUE_PS, "
        "INVISIBLE_PATIENT, INVISIBLE_REPRESENTANTS_LEGAUX when set."
    )
    def confidentiality_codes(self) -> list[str]:
        doc, codes = self.doc, [self.doc["confidentiality"]]
        if doc["hidden_from_professionals"]:
            codes.append("MASQUE_PS")
        if doc["hidden_from_patient"]:
            codes.append("INVISIBLE_PATIENT")
        if doc["hidden_from_representatives"]:
            codes.append("INVISIBLE_REPRESENTANTS_LEGAUX")
        return codes

    @strawberry.field(description="MASQUE_PS: hidden from professionals by the patient.")
    def hidden_from_professionals(self) -> bool:
        return self.doc["hidden_from_professionals"]

    @strawberry.field(description="INVISIBLE_PATIENT: held back from the patient.")
    def hidden_from_patient(self) -> bool:
        return self.doc["hidden_from_patient"]

    @strawberry.field(description="INVISIBLE_REPRESENTANTS_LEGAUX.")
    def hidden_from_representatives(self) -> bool:
        return self.doc["hidden_from_representatives"]

    @strawberry.field(description="When a document held back shows to the patient by itself.")
    def release_at(self) -> datetime | None:
        return self.doc["release_at"]

    @strawberry.field
    def status(self) -> DocumentStatus:
        return DocumentStatus(self.doc["status"])

    @strawberry.field(description="1 for the first version.")
    def version(self) -> int:
        return self.doc["version"]

    @strawberry.field(description="The version this one replaced.")
    def replaces(self) -> strawberry.ID | None:
        replaced = self.doc["replaces"]
        return strawberry.ID(replaced) if replaced else None

    @strawberry.field(description="The version that replaced this one.")
    def replaced_by(self) -> strawberry.ID | None:
        by = self.doc["replaced_by"]
        return strawberry.ID(by) if by else None

    @strawberry.field(description="Every version you may see, newest first.")
    async def versions(self, info: Info) -> list[Document]:
        ctx = info.context
        docs = await document_reads.versions(
            ctx.stores, ctx.clock, ctx.documents, actor(info), self.doc
        )
        return [Document.from_doc(doc) for doc in docs]

    @strawberry.field(
        description="Where to GET the bytes with the access token, for clients that cannot "
        "reach the object store (see also `issueDocumentUrl`)."
    )
    def content_path(self) -> str:
        return f"/documents/{self.doc['_id']}/content"

    @classmethod
    def from_doc(cls, doc: DocumentDoc) -> Document:
        return cls(id=strawberry.ID(doc["_id"]), doc=doc)


@strawberry.input(description="Which documents: every condition set must hold.")
class DocumentFilterInput:
    type_codes: list[str] | None = strawberry.field(default=None, description="JDV_J66 codes.")
    created_from: datetime | None = None
    created_to: datetime | None = None
    author_rpps: str | None = None


async def documents_of(
    info: Info,
    patient_id: str,
    filter_: DocumentFilterInput | None,
    first: int | None,
    after: str | None,
) -> Connection[Document]:
    ctx = info.context
    given = filter_ or DocumentFilterInput()
    page, count = await document_reads.list_documents(
        ctx.stores,
        ctx.clock,
        ctx.documents,
        actor(info),
        patient_id,
        DocumentFilter(
            type_codes=given.type_codes,
            created_from=given.created_from,
            created_to=given.created_to,
            author_rpps=given.author_rpps,
        ),
        first=first,
        after=after,
    )
    return connection(
        [Document.from_doc(doc) for doc in page.items],
        page.items,
        sort_key=document_reads.SORT_KEY,
        has_next=page.has_next,
        count=count,
    )


@strawberry.type
class DocumentQuery:
    @strawberry.field(
        extensions=[scoped("documents:read")],
        description="One document you may see (current or replaced version).",
    )
    async def document(self, info: Info, id: strawberry.ID) -> Document | None:
        ctx = info.context
        doc = await document_reads.get_document(
            ctx.stores, ctx.clock, ctx.documents, actor(info), id
        )
        return Document.from_doc(doc)
