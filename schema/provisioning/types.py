"""Provisioning through GraphQL: upload a beneficiary file, start the batch, follow it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, TypeAlias

import strawberry

from resolvers.provisioning import batches as provisioning
from schema.core.context import Info
from schema.core.pagination import Connection, connection
from schema.core.permissions import scoped
from schema.core.refusals import Refusal, refusing
from schema.spaces.types import actor
from storage.provisioning import BatchDoc


@strawberry.enum(description="How a beneficiary file is written.")
class BeneficiaryFileFormat(Enum):
    CSV = "csv"
    NDJSON = "ndjson"


@strawberry.enum
class ProvisioningStatus(Enum):
    AWAITING_UPLOAD = "awaiting_upload"
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@strawberry.type(description="A line of the file that did not become a space, and why.")
class Rejection:
    line: int
    reason: str


@strawberry.type(description="A beneficiary file being (or having been) provisioned.")
class ProvisioningBatch:
    id: strawberry.ID
    status: ProvisioningStatus
    format: BeneficiaryFileFormat
    lines_read: int = strawberry.field(description="Lines handled so far, the header included.")
    created: int = strawberry.field(description="Spaces this batch created so far.")
    existing: int = strawberry.field(description="People who already had a space, so far.")
    rejected: int = strawberry.field(description="Lines refused so far.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None

    @strawberry.field(description="The refused lines, in file order.")
    async def rejections(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Rejection]:
        page, count = await info.context.cases.read(
            provisioning.rejections_of, self.id, first, after
        )
        return connection(
            [Rejection(line=doc["line"], reason=doc["reason"]) for doc in page.items],
            page.items,
            sort_key="line",
            has_next=page.has_next,
            after=after,
            count=count,
        )

    @classmethod
    def from_doc(cls, doc: BatchDoc) -> ProvisioningBatch:
        return cls(
            id=strawberry.ID(doc["_id"]),
            status=ProvisioningStatus(doc["status"]),
            format=BeneficiaryFileFormat(doc["format"]),
            lines_read=doc["checkpoint"]["line"],
            created=doc["created"],
            existing=doc["existing"],
            rejected=doc["rejected"],
            created_at=doc["created_at"],
            started_at=doc["started_at"],
            finished_at=doc["finished_at"],
            error=doc["error"],
        )


@strawberry.type(
    description="Where to PUT the file (straight to the object store), then call startProvisioning."
)
class ProvisioningUpload:
    batch: ProvisioningBatch
    upload_url: str
    expires_at: datetime


@strawberry.type(description="A refused provisioning request.")
class ProvisioningError(Refusal):
    pass


ProvisioningUploadResult: TypeAlias = Annotated[
    ProvisioningUpload | ProvisioningError, strawberry.union("ProvisioningUploadResult")
]
ProvisioningResult: TypeAlias = Annotated[
    ProvisioningBatch | ProvisioningError, strawberry.union("ProvisioningResult")
]


async def _own_batch(info: Info, batch_id: str) -> BatchDoc:
    return await info.context.cases.read(provisioning.own_batch, actor(info).client_id, batch_id)


@strawberry.type
class ProvisioningQuery:
    @strawberry.field(
        extensions=[scoped("provisioning")], description="A provisioning batch of yours."
    )
    async def provisioning_batch(self, info: Info, id: strawberry.ID) -> ProvisioningBatch | None:
        return ProvisioningBatch.from_doc(await _own_batch(info, id))

    @strawberry.field(
        extensions=[scoped("provisioning")], description="Your provisioning batches, newest first."
    )
    async def provisioning_batches(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ProvisioningBatch] | None:
        page, count = await info.context.cases.read(
            provisioning.batches_of, actor(info).client_id, first, after
        )
        return connection(
            [ProvisioningBatch.from_doc(doc) for doc in page.items],
            page.items,
            sort_key="created_at",
            has_next=page.has_next,
            after=after,
            count=count,
        )


@strawberry.type
class ProvisioningMutations:
    @strawberry.mutation(
        extensions=[scoped("provisioning")],
        description="Start a batch: returns where to upload the file.",
    )
    @refusing(ProvisioningError)
    async def request_provisioning_upload(
        self,
        info: Info,
        format: BeneficiaryFileFormat,
    ) -> ProvisioningUploadResult | None:
        upload = await info.context.cases.timed(
            provisioning.request_upload, file_format=format.value, created_by=actor(info).client_id
        )
        return ProvisioningUpload(
            batch=ProvisioningBatch.from_doc(upload.batch),
            upload_url=upload.url,
            expires_at=upload.expires_at,
        )

    @strawberry.mutation(
        extensions=[scoped("provisioning")],
        description="The file is uploaded: provision it (in the background).",
    )
    @refusing(ProvisioningError)
    async def start_provisioning(
        self, info: Info, batch_id: strawberry.ID
    ) -> ProvisioningResult | None:
        await _own_batch(info, batch_id)
        batch = await info.context.cases.read(
            provisioning.mark_uploaded, batch_id, actor(info).client_id
        )
        return ProvisioningBatch.from_doc(batch)
