"""``requestSpaceExport``: the patient (or a legal representative) asks for the space's documents
as an IHE XDM archive; the answer says where to download it, until when."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry

from resolvers.documents.xdm import export as xdm_export
from schema.core.context import Info
from schema.core.permissions import scoped
from schema.core.refusals import refusing
from schema.documents.mutations import DocumentError


@strawberry.type(description="Where to download a space's export (an IHE XDM ZIP archive).")
class SpaceExport:
    export_id: strawberry.ID
    url: str = strawberry.field(
        description="A link that works without a token until `expiresAt`, for you only: "
        "keep it to yourself."
    )
    api_url: str = strawberry.field(description="The same archive, GET with your access token.")
    expires_at: datetime
    document_count: int = strawberry.field(description="Documents in the archive, as of now.")


SpaceExportResult: TypeAlias = Annotated[
    SpaceExport | DocumentError, strawberry.union("SpaceExportResult")
]


@strawberry.type
class ExportMutations:
    @strawberry.mutation(
        extensions=[scoped("documents:read")],
        description="The patient or a legal representative exports every document they may "
        "see, with its metadata, as an IHE XDM archive (traced in the access history).",
    )
    @refusing(DocumentError)
    async def request_space_export(
        self, info: Info, patient_id: strawberry.ID
    ) -> SpaceExportResult | None:
        link = await info.context.cases.configured(xdm_export.request_export, patient_id)
        return SpaceExport(
            export_id=strawberry.ID(link.export_id),
            url=link.url,
            api_url=link.api_url,
            expires_at=link.expires_at,
            document_count=link.document_count,
        )
