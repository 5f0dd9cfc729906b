"""Health documents as GraphQL types: the document, its author, and the list of a patient's."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from resolvers.core.terminology import CodeList, terminology
from resolvers.documents import reads as document_reads
from resolvers.documents.reads import DocumentFilter
from resolvers.documents.timeliness import act_date
from schema.core.context import Info
from schema.core.pagination import Connection, connection
from schema.core.permissions import scoped
from schema.service.terminology import Concept
from storage.documents import AuthorDoc as DocumentAuthorDoc
from storage.documents import CodedDoc, DocumentDoc, IdentifierDoc


@strawberry.enum(description="Where a document is in its life.")
class DocumentStatus(Enum):
    CURRENT = "available"
    REPLACED = "replaced"
    ARCHIVED = "archived"
    WITHDRAWN = "withdrawn"


@strawberry.type(description="How an author or an institution is identified.")
class AuthorIdentifier:
    system: str = strawberry.field(
        description="RPPS, ADELI, FINESS, SIREN, SIRET, RPPS_RANG, INTERNAL (an identifier "
        "internal to a structure), INS, or OTHER."
    )
    value: str
    oid: str = strawberry.field(description="The assigning authority's OID.")


@strawberry.type(description="The institution an author acted for.")
class AuthorInstitution:
    name: str
    identifier: AuthorIdentifier | None


@strawberry.type(description="Who wrote the document.")
class DocumentAuthor:
    kind: str = strawberry.field(
        description="professional, patient or app; for documents imported from the old DMP "
        "also device (a system, such as the health insurer's) and organization."
    )
    name: str
    rpps: str | None
    profession: Concept | None = strawberry.field(description="TRE_G15 profession.")
    identifier: AuthorIdentifier | None = strawberry.field(
        description="As the source named the author (imported documents)."
    )
    institution: AuthorInstitution | None
    specialty: str | None = strawberry.field(description="As the source gave it (imported).")


def _identifier(doc: IdentifierDoc | None) -> AuthorIdentifier | None:
    if doc is None:
        return None
    return AuthorIdentifier(system=doc["system"], value=doc["value"], oid=doc["oid"])


def _concept(doc: CodedDoc) -> Concept:
    return Concept(code=doc["code"], label=doc["label"], system=doc["system"])


def _author(author: DocumentAuthorDoc) -> DocumentAuthor:
    code = author["profession_code"]
    profession = terminology(CodeList.PROFESSIONS).get(code) if code else None
    return DocumentAuthor(
        kind=author["kind"],
        name=author["name"],
        rpps=author["rpps"],
        profession=Concept.from_record(profession) if profession else None,
        identifier=_identifier(author.get("identifier")),
        institution=AuthorInstitution(
            name=institution["name"], identifier=_identifier(institution["identifier"])
        )
        if (institution := author.get("institution"))
        else None,
        specialty=author.get("specialty"),
    )


def _confidentiality_codes(doc: DocumentDoc) -> list[str]:
    codes = [doc["confidentiality"]]
    if doc["hidden_from_professionals"]:
        codes.append("MASQUE_PS")
    if doc["hidden_from_patient"]:
        codes.append("INVISIBLE_PATIENT")
    if doc["hidden_from_representatives"]:
        codes.append("INVISIBLE_REPRESENTANTS_LEGAUX")
    return codes


@strawberry.type(description="A health document: metadata in the XDS spirit; bytes on request.")
class Document:
    """Plain attributes, filled once from the record: a list of documents resolves each field
    by a lookup, not by a resolver call per field and per document."""

    id: strawberry.ID
    doc: strawberry.Private[DocumentDoc]
    type: Concept = strawberry.field(description="Document type (JDV_J66, LOINC).")
    class_code: Concept = strawberry.field(description="Document class (JDV_J06).")
    title: str
    author: DocumentAuthor
    created_at: datetime = strawberry.field(description="When the author wrote it (the act).")
    service_start: datetime | None
    service_stop: datetime | None
    deposited_at: datetime
    act_date: datetime = strawberry.field(
        description="When the act ended: the service stop (discharge), else the creation time."
    )
    late: bool | None = strawberry.field(
        description="Deposited after the act's day (Europe/Paris), against the duty to deposit "
        "(R1111-42); null when not a professional's deposit (imports, older records)."
    )
    late_by_seconds: int | None = strawberry.field(
        description="How long after the end of the act's day it was deposited (0 when on time)."
    )
    format: str = strawberry.field(description="Media type, as recognised from the content.")
    size: float = strawberry.field(description="Size in bytes.")
    sha256: str = strawberry.field(description="SHA-256 of the bytes, hexadecimal.")
    confidentiality: str = strawberry.field(description="HL7 confidentiality: N, R or V.")
    confidentiality_codes: list[str] = strawberry.field(
        description="Every JDV_J58 code that applies: the HL7 level, and MASQUE_PS, "
        "INVISIBLE_PATIENT, INVISIBLE_REPRESENTANTS_LEGAUX when set."
    )
    hidden_from_professionals: bool = strawberry.field(
        description="MASQUE_PS: hidden from professionals by the patient."
    )
    hidden_from_patient: bool = strawberry.field(
        description="INVISIBLE_PATIENT: held back from the patient."
    )
    hidden_from_representatives: bool = strawberry.field(
        description="INVISIBLE_REPRESENTANTS_LEGAUX."
    )
    release_at: datetime | None = strawberry.field(
        description="When a document held back shows to the patient by itself."
    )
    status: DocumentStatus
    version: int = strawberry.field(description="1 for the first version.")
    content_path: str = strawberry.field(
        description="Where to GET the bytes with the access token, for clients that cannot "
        "reach the object store (see also `issueDocumentUrl`)."
    )

    @strawberry.field(description="Every version you may see, newest first.")
    async def versions(self, info: Info) -> list[Document]:
        docs = await info.context.cases.configured(document_reads.versions, self.doc)
        return [Document.from_doc(doc) for doc in docs]

    @strawberry.field(
        description="The version this one replaced (null when it is not one you may see)."
    )
    async def replaces(self, info: Info) -> strawberry.ID | None:
        return await self._link(info, self.doc["replaces"])

    @strawberry.field(
        description="The version that replaced this one (null when it is not one you may see)."
    )
    async def replaced_by(self, info: Info) -> strawberry.ID | None:
        return await self._link(info, self.doc["replaced_by"])

    async def _link(self, info: Info, other_id: str | None) -> strawberry.ID | None:
        if other_id is None:
            return None
        seen = await info.context.cases.configured(document_reads.visible_version, other_id)
        return strawberry.ID(other_id) if seen else None

    @classmethod
    def from_doc(cls, doc: DocumentDoc) -> Document:
        return cls(
            id=strawberry.ID(doc["_id"]),
            doc=doc,
            type=_concept(doc["type"]),
            class_code=_concept(doc["class_code"]),
            title=doc["title"],
            author=_author(doc["author"]),
            created_at=doc["created_at"],
            service_start=doc["service_start"],
            service_stop=doc["service_stop"],
            deposited_at=doc["deposited_at"],
            act_date=act_date(doc),
            late=timeliness["late"] if (timeliness := doc.get("timeliness")) else None,
            late_by_seconds=timeliness["late_by_s"] if timeliness else None,
            format=doc["format"],
            size=float(doc["size"]),
            sha256=doc["sha256"],
            confidentiality=doc["confidentiality"],
            confidentiality_codes=_confidentiality_codes(doc),
            hidden_from_professionals=doc["hidden_from_professionals"],
            hidden_from_patient=doc["hidden_from_patient"],
            hidden_from_representatives=doc["hidden_from_representatives"],
            release_at=doc["release_at"],
            status=DocumentStatus(doc["status"]),
            version=doc["version"],
            content_path=f"/documents/{doc['_id']}/content",
        )


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
    given = filter_ or DocumentFilterInput()
    page, count = await info.context.cases.configured(
        document_reads.list_documents,
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
        after=after,
        count=count,
    )


@strawberry.type
class DocumentQuery:
    @strawberry.field(
        extensions=[scoped("documents:read")],
        description="One document you may see (current or replaced version).",
    )
    async def document(self, info: Info, id: strawberry.ID) -> Document | None:
        doc = await info.context.cases.configured(document_reads.get_document, id)
        return Document.from_doc(doc)
