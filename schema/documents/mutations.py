"""Depositing documents and changing what happens to them.

Small files come with the mutation as a GraphQL multipart upload (``depositDocument``); large
ones go in two steps: ``requestDocumentUpload`` gives where to PUT the bytes (S3, or the API's
own route), ``confirmDocumentUpload`` checks them and makes the document. Expected refusals are
``DocumentError`` results with a code; outages and bugs are GraphQL errors.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, TypeAlias, TypeVar

import strawberry
from strawberry.file_uploads import Upload

from resolvers.core.errors import InvalidInput
from resolvers.documents import announce, uploads
from resolvers.documents import deposit as documents
from resolvers.documents import legacy_import as document_import
from resolvers.documents import lifecycle as document_lifecycle
from resolvers.documents import reads as document_reads
from resolvers.documents.rules import MetadataInput
from schema.core.context import Info
from schema.core.permissions import scoped
from schema.core.refusals import Refusal, refusing
from schema.documents.types import Document
from storage.documents import DocumentDoc

T = TypeVar("T")
UPLOAD_CHUNK = 256 * 1024


@strawberry.input(description="What the depositor says of the document (XDS metadata).")
class DocumentMetadataInput:
    type_code: str = strawberry.field(description="JDV_J66 (LOINC) type code, e.g. 11488-4.")
    class_code: str = strawberry.field(description="JDV_J06 class code, e.g. 10.")
    title: str
    created_at: datetime = strawberry.field(description="When the act took place.")
    service_start: datetime | None = None
    service_stop: datetime | None = None
    confidentiality: str = strawberry.field(default="N", description="HL7 N, R or V.")
    hidden_from_professionals: bool = strawberry.field(
        default=False, description="MASQUE_PS (the patient's choice)."
    )
    hidden_from_patient: bool = strawberry.field(
        default=False,
        description="INVISIBLE_PATIENT (a professional's, until an announcement consultation).",
    )
    hidden_from_representatives: bool = strawberry.field(
        default=False, description="INVISIBLE_REPRESENTANTS_LEGAUX."
    )

    def checked(self) -> MetadataInput:
        return MetadataInput(
            type_code=self.type_code,
            class_code=self.class_code,
            title=self.title,
            created_at=self.created_at,
            service_start=self.service_start,
            service_stop=self.service_stop,
            confidentiality=self.confidentiality,
            hidden_from_professionals=self.hidden_from_professionals,
            hidden_from_patient=self.hidden_from_patient,
            hidden_from_representatives=self.hidden_from_representatives,
        )


@strawberry.input(description="Whom to tell of a professional's deposit (L1111-15).")
class DepositNotifyInput:
    patient: bool = strawberry.field(
        default=False,
        description="A message in the patient's secure mailbox, the document attached (not "
        "while it is held back from her).",
    )
    primary_physician: bool = strawberry.field(
        default=False, description="An email to her primary physician's secure-messaging address."
    )

    def checked(self) -> announce.Ask:
        return announce.Ask(patient=self.patient, primary_physician=self.primary_physician)


@strawberry.enum(description="What became of an announcement of a deposit.")
class NotificationOutcome(Enum):
    SENT = "SENT"
    NOT_ASKED = "NOT_ASKED"
    HELD_BACK = "HELD_BACK"
    NO_PRIMARY_PHYSICIAN = "NO_PRIMARY_PHYSICIAN"
    NO_ADDRESS = "NO_ADDRESS"
    DEPOSITOR = "DEPOSITOR"


@strawberry.type(description="Who was told of the deposit.")
class DepositNotified:
    patient: NotificationOutcome
    primary_physician: NotificationOutcome


@strawberry.type(description="The document after the change.")
class DocumentChange:
    document: Document
    notified: DepositNotified | None = strawberry.field(
        default=None, description="On a deposit: who was told of it (`notify`)."
    )


@strawberry.type(description="Where to PUT the bytes, until when; then confirm.")
class DocumentUpload:
    document_id: strawberry.ID
    url: str | None = strawberry.field(
        description="Presigned S3 URL (null when objects are encrypted with SSE-C)."
    )
    api_url: str = strawberry.field(
        description="The API's own upload route: PUT with the access token."
    )
    expires_at: datetime


@strawberry.type(description="A short-lived URL to the bytes.")
class DocumentUrl:
    url: str
    expires_at: datetime


@strawberry.type(description="The right to see documents hidden from professionals.")
class HiddenDocumentAccess:
    professional_id: strawberry.ID
    granted: bool


@strawberry.type(description="Whether the holder objects to the migration of their old DMP.")
class MigrationObjection:
    objected: bool


@strawberry.type(description="A refused document operation, with a code to act on.")
class DocumentError(Refusal):
    pass


DocumentResult: TypeAlias = Annotated[
    DocumentChange | DocumentError, strawberry.union("DocumentResult")
]
DocumentUploadResult: TypeAlias = Annotated[
    DocumentUpload | DocumentError, strawberry.union("DocumentUploadResult")
]
DocumentUrlResult: TypeAlias = Annotated[
    DocumentUrl | DocumentError, strawberry.union("DocumentUrlResult")
]
MigrationObjectionResult: TypeAlias = Annotated[
    MigrationObjection | DocumentError, strawberry.union("MigrationObjectionResult")
]
HiddenDocumentAccessResult: TypeAlias = Annotated[
    HiddenDocumentAccess | DocumentError, strawberry.union("HiddenDocumentAccessResult")
]


async def _changed(work: Awaitable[Any]) -> DocumentChange:
    return DocumentChange(document=Document.from_doc(await work))


async def _deposited(info: Info, doc: DocumentDoc, ask: announce.Ask) -> DocumentChange:
    """The deposit's answer, once whom the depositor asked to tell was told."""
    told = await info.context.cases.configured(announce.announce, doc, ask)
    notified = DepositNotified(
        patient=NotificationOutcome(told.patient.value),
        primary_physician=NotificationOutcome(told.primary_physician.value),
    )
    return DocumentChange(document=Document.from_doc(doc), notified=notified)


async def _chunks(file: Any) -> AsyncIterator[bytes]:
    while data := await file.read(UPLOAD_CHUNK):
        yield data


@strawberry.type
class DocumentMutations:
    @strawberry.mutation(
        extensions=[scoped("documents:write")],
        description="Deposit a document sent with this request (GraphQL multipart request; "
        "send the `GraphQL-Preflight: 1` header). `replaces`: the id of the version it replaces.",
    )
    @refusing(DocumentError)
    async def deposit_document(  # noqa: PLR0917 - the deposit's own arguments
        self,
        info: Info,
        patient_id: strawberry.ID,
        file: Upload,
        metadata: DocumentMetadataInput,
        replaces: strawberry.ID | None = None,
        notify: DepositNotifyInput | None = None,
    ) -> DocumentResult | None:
        ask = (notify or DepositNotifyInput()).checked()
        announce.check_ask(info.context.cases.actor, ask)
        doc = await info.context.cases.configured(
            documents.deposit,
            patient_id=patient_id,
            metadata=metadata.checked(),
            content_type=getattr(file, "content_type", None) or "application/octet-stream",
            chunks=_chunks(file),
            replaces=replaces,
        )
        return await _deposited(info, doc, ask)

    @strawberry.mutation(
        extensions=[scoped("documents:write")],
        description="Step one of a large deposit: announce size, SHA-256 and type; PUT the "
        "bytes to `url` (or `apiUrl`) before `expiresAt`, then confirm.",
    )
    @refusing(DocumentError)
    async def request_document_upload(  # noqa: PLR0917 - the upload's own arguments
        self,
        info: Info,
        patient_id: strawberry.ID,
        metadata: DocumentMetadataInput,
        content_type: str,
        size: float,
        sha256: str,
        replaces: strawberry.ID | None = None,
    ) -> DocumentUploadResult | None:
        if size != int(size):
            raise InvalidInput("size is a whole number of bytes", field="size")
        upload = await info.context.cases.configured(
            uploads.request_upload,
            patient_id=patient_id,
            metadata=metadata.checked(),
            content_type=content_type,
            size=int(size),
            sha256=sha256,
            replaces=replaces,
        )
        return DocumentUpload(
            document_id=strawberry.ID(upload.record["_id"]),
            url=upload.s3_url,
            api_url=upload.api_url,
            expires_at=upload.expires_at,
        )

    @strawberry.mutation(
        extensions=[scoped("documents:write")],
        description="Step two: check the uploaded bytes (size, SHA-256, format) and make the "
        "document. Refused bytes are removed.",
    )
    @refusing(DocumentError)
    async def confirm_document_upload(
        self, info: Info, document_id: strawberry.ID, notify: DepositNotifyInput | None = None
    ) -> DocumentResult | None:
        ask = (notify or DepositNotifyInput()).checked()
        announce.check_ask(info.context.cases.actor, ask)
        doc = await info.context.cases.run(uploads.confirm_upload, document_id)
        return await _deposited(info, doc, ask)

    @strawberry.mutation(
        extensions=[scoped("documents:read")],
        description="A short-lived URL to the document's bytes (traced in the access history).",
    )
    @refusing(DocumentError)
    async def issue_document_url(
        self, info: Info, document_id: strawberry.ID
    ) -> DocumentUrlResult | None:
        url = await info.context.cases.configured(document_reads.download_url, document_id)
        return DocumentUrl(url=url.url, expires_at=url.expires_at)

    @strawberry.mutation(
        extensions=[scoped("documents:write")],
        description="The patient hides a document from professionals (MASQUE_PS), or shows it.",
    )
    @refusing(DocumentError)
    async def hide_document_from_professionals(
        self, info: Info, document_id: strawberry.ID, hidden: bool
    ) -> DocumentResult | None:
        return await _changed(
            info.context.cases.configured(
                document_lifecycle.set_hidden_from_professionals, document_id, hidden=hidden
            )
        )

    @strawberry.mutation(
        extensions=[scoped("documents:write")],
        description="The patient or the author hides a document from legal representatives.",
    )
    @refusing(DocumentError)
    async def hide_document_from_representatives(
        self, info: Info, document_id: strawberry.ID, hidden: bool
    ) -> DocumentResult | None:
        return await _changed(
            info.context.cases.configured(
                document_lifecycle.set_hidden_from_representatives, document_id, hidden=hidden
            )
        )

    @strawberry.mutation(
        extensions=[scoped("documents:write")],
        description="The depositing professional shows a held-back document to the patient.",
    )
    @refusing(DocumentError)
    async def release_document(
        self, info: Info, document_id: strawberry.ID
    ) -> DocumentResult | None:
        cases = info.context.cases
        return await _changed(cases.configured(document_lifecycle.release, document_id))

    @strawberry.mutation(
        extensions=[scoped("documents:write")],
        description="The holder deletes a document and its versions: archived now, purged "
        "after the delay.",
    )
    @refusing(DocumentError)
    async def delete_document(
        self, info: Info, document_id: strawberry.ID
    ) -> DocumentResult | None:
        return await _changed(info.context.cases.configured(document_lifecycle.delete, document_id))

    @strawberry.mutation(
        extensions=[scoped("documents:write")],
        description="The author withdraws a document, saying why.",
    )
    @refusing(DocumentError)
    async def withdraw_document(
        self, info: Info, document_id: strawberry.ID, reason: str
    ) -> DocumentResult | None:
        return await _changed(
            info.context.cases.configured(document_lifecycle.withdraw, document_id, reason=reason)
        )

    @strawberry.mutation(
        extensions=[scoped("documents:write")],
        description="The holder lets a professional see documents hidden from professionals, "
        "or stops it.",
    )
    @refusing(DocumentError)
    async def set_hidden_document_access(
        self, info: Info, professional_id: strawberry.ID, granted: bool
    ) -> HiddenDocumentAccessResult | None:
        await info.context.cases.run(document_lifecycle.set_hidden_access, professional_id, granted)
        return HiddenDocumentAccess(professional_id=professional_id, granted=granted)

    @strawberry.mutation(
        extensions=[scoped("space:manage")],
        description="The holder objects to their former DMP being imported into the space "
        "(R1111-40), or withdraws the objection.",
    )
    @refusing(DocumentError)
    async def set_dmp_migration_objection(
        self, info: Info, objected: bool
    ) -> MigrationObjectionResult | None:
        done = await info.context.cases.run(document_import.set_migration_objection, objected)
        return MigrationObjection(objected=done)
