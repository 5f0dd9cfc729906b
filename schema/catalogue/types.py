"""The catalogue of referenced apps and the patient's pairings, as GraphQL.

Anyone (no token) browses the referenced catalogue; catalogue administrators (operators with
``catalogue:admin``) reference and withdraw apps; the patient side lists and revokes pairings
(``space:manage``). Pairing itself happens at ``/oauth/authorize`` (docs/catalogue.md).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, TypeAlias

import strawberry

from resolvers.access.scopes import BY_NAME
from resolvers.catalogue import apps as catalogue
from resolvers.catalogue import pairings
from resolvers.catalogue.apps import AppTerms
from schema.core.context import Info
from schema.core.pagination import Connection, connection
from schema.core.permissions import scoped
from schema.core.refusals import Refusal, refusing
from schema.spaces.types import actor
from storage.catalogue import CatalogueAppDoc, PairingDoc


@strawberry.enum(description="What an app is for (R1111-38).")
class CatalogueDomain(Enum):
    MEDICAL_FOLLOW_UP = "medical_follow_up"
    DIAGNOSIS = "diagnosis"
    PREVENTION = "prevention"
    WELL_BEING = "well_being"


@strawberry.enum(description="Draft (invisible) → referenced (pairable) → withdrawn (final).")
class CatalogueStatus(Enum):
    DRAFT = "draft"
    REFERENCED = "referenced"
    WITHDRAWN = "withdrawn"


@strawberry.type(description="A category of data an app asks for, and why.")
class DataCategory:
    scope: str = strawberry.field(description="The OAuth scope it is granted as.")
    label: str = strawberry.field(description="What it means, in plain words (French).")
    justification: str


def _categories(scopes: list[tuple[str, str]]) -> list[DataCategory]:
    return [
        DataCategory(scope=scope, label=BY_NAME[scope].consent, justification=why)
        for scope, why in scopes
    ]


@strawberry.type(description="An app referenced by the State, or on its way there.")
class CatalogueApp:
    id: strawberry.ID
    doc: strawberry.Private[CatalogueAppDoc]

    @strawberry.field
    def name(self) -> str:
        return self.doc["name"]

    @strawberry.field
    def publisher(self) -> str:
        return self.doc["publisher"]

    @strawberry.field
    def description(self) -> str:
        return self.doc["description"]

    @strawberry.field
    def domain(self) -> CatalogueDomain:
        return CatalogueDomain(self.doc["domain"])

    @strawberry.field
    def categories(self) -> list[DataCategory]:
        return _categories([(c["scope"], c["justification"]) for c in self.doc["categories"]])

    @strawberry.field(description="How long the app keeps what it receives.")
    def retention_days(self) -> int:
        return self.doc["retention_days"]

    @strawberry.field(description="How long a patient's consent lasts before it is asked again.")
    def consent_days(self) -> int:
        return self.doc["consent_days"]

    @strawberry.field
    def consent_text(self) -> str:
        return self.doc["consent_text"]

    @strawberry.field
    def status(self) -> CatalogueStatus:
        return CatalogueStatus(self.doc["status"])

    @strawberry.field(description="The OAuth client the app signs in with.")
    def client_id(self) -> str:
        return self.doc["client_id"]

    @strawberry.field
    def referenced_at(self) -> datetime | None:
        return self.doc["referenced_at"]

    @strawberry.field
    def withdrawn_at(self) -> datetime | None:
        return self.doc["withdrawn_at"]

    @classmethod
    def from_doc(cls, doc: CatalogueAppDoc) -> CatalogueApp:
        return cls(id=strawberry.ID(doc["_id"]), doc=doc)


@strawberry.type(description="A patient's consent to an app acting for them.")
class Pairing:
    id: strawberry.ID
    app: CatalogueApp
    doc: strawberry.Private[PairingDoc]

    @strawberry.field(description="The categories consented to.")
    def categories(self) -> list[DataCategory]:
        reasons = {c["scope"]: c["justification"] for c in self.app.doc["categories"]}
        return _categories([(scope, reasons.get(scope, "")) for scope in self.doc["scopes"]])

    @strawberry.field
    def consented_at(self) -> datetime:
        return self.doc["consented_at"]

    @strawberry.field(description="When the consent ends unless given again.")
    def expires_at(self) -> datetime:
        return self.doc["expires_at"]

    @strawberry.field
    def revoked_at(self) -> datetime | None:
        return self.doc["revoked_at"]

    @strawberry.field(description="PATIENT (revoked) or WITHDRAWN (the app left the catalogue).")
    def revoked_because(self) -> str | None:
        reason = self.doc["revoked_because"]
        return None if reason is None else reason.upper()

    @classmethod
    def of(cls, doc: PairingDoc, app: CatalogueAppDoc) -> Pairing:
        return cls(id=strawberry.ID(doc["_id"]), app=CatalogueApp.from_doc(app), doc=doc)


@strawberry.input(description="A data category and the reason the app needs it.")
class DataCategoryInput:
    scope: str = strawberry.field(description="agenda:read, documents:write, measurements:read…")
    justification: str


@strawberry.input(description="What an operator references.")
class CatalogueAppInput:
    name: str
    publisher: str
    description: str
    domain: CatalogueDomain
    categories: list[DataCategoryInput]
    retention_days: int
    consent_days: int = 365
    consent_text: str
    redirect_uris: list[str] = strawberry.field(
        default_factory=list, description="Where codes go (at creation only)."
    )

    def terms(self) -> AppTerms:
        return AppTerms(
            name=self.name, publisher=self.publisher, description=self.description,
            domain=self.domain.value,
            categories=[(c.scope, c.justification) for c in self.categories],
            retention_days=self.retention_days, consent_days=self.consent_days,
            consent_text=self.consent_text, redirect_uris=self.redirect_uris,
        )  # fmt: skip


@strawberry.type(description="A new draft and its OAuth client (a public client: PKCE).")
class CatalogueAppCreated:
    app: CatalogueApp


@strawberry.type(description="A refused catalogue or pairing operation, with a code.")
class CatalogueError(Refusal):
    pass


CreatedResult: TypeAlias = Annotated[
    CatalogueAppCreated | CatalogueError, strawberry.union("CatalogueAppCreatedResult")
]
AppResult: TypeAlias = Annotated[
    CatalogueApp | CatalogueError, strawberry.union("CatalogueAppResult")
]
PairingResult: TypeAlias = Annotated[Pairing | CatalogueError, strawberry.union("PairingResult")]


@strawberry.type
class CatalogueQuery:
    @strawberry.field(description="The referenced apps, by name; no token needed.")
    async def catalogue(
        self,
        info: Info,
        search: str | None = None,
        domain: CatalogueDomain | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CatalogueApp]:
        page, count = await info.context.cases.read(
            catalogue.browse,
            search=search,
            domain=domain.value if domain else None,
            first=first,
            after=after,
        )
        return connection(
            [CatalogueApp.from_doc(doc) for doc in page.items], page.items,
            sort_key="name", has_next=page.has_next, after=after, count=count,
        )  # fmt: skip

    @strawberry.field(description="A referenced app (administrators: any app).")
    async def catalogue_app(self, info: Info, id: strawberry.ID) -> CatalogueApp | None:
        doc = await info.context.cases.read(catalogue.get_app, info.context.actor, id)
        return CatalogueApp.from_doc(doc)

    @strawberry.field(
        extensions=[scoped("catalogue:admin")],
        description="Every app, drafts and withdrawn ones included.",
    )
    async def catalogue_admin(
        self,
        info: Info,
        status: CatalogueStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CatalogueApp] | None:
        page, count = await info.context.cases.untimed(
            catalogue.list_all, status.value if status else None, first, after
        )
        return connection(
            [CatalogueApp.from_doc(doc) for doc in page.items], page.items,
            sort_key="name", has_next=page.has_next, after=after, count=count,
        )  # fmt: skip

    @strawberry.field(
        extensions=[scoped("space:manage")],
        description="The apps the patient paired (your own by default), latest consent first.",
    )
    async def pairings(
        self, info: Info, patient_id: strawberry.ID | None = None
    ) -> list[Pairing] | None:
        ctx, who = info.context, actor(info)
        found = await ctx.cases.timed(pairings.pairings_of, who, patient_id or who.id)
        return [Pairing.of(doc, app) for doc, app in found]


@strawberry.type
class CatalogueMutations:
    @strawberry.mutation(
        extensions=[scoped("catalogue:admin")],
        description="Reference a new app, as a draft, with its OAuth client.",
    )
    @refusing(CatalogueError)
    async def create_catalogue_app(
        self, info: Info, input: CatalogueAppInput
    ) -> CreatedResult | None:
        doc = await info.context.cases.run(catalogue.create_app, input.terms())
        return CatalogueAppCreated(app=CatalogueApp.from_doc(doc))

    @strawberry.mutation(
        extensions=[scoped("catalogue:admin")],
        description="Change a draft's terms (a referenced app's are frozen).",
    )
    @refusing(CatalogueError)
    async def update_catalogue_app(
        self, info: Info, id: strawberry.ID, input: CatalogueAppInput
    ) -> AppResult | None:
        doc = await info.context.cases.run(catalogue.update_app, id, input.terms())
        return CatalogueApp.from_doc(doc)

    @strawberry.mutation(
        extensions=[scoped("catalogue:admin")],
        description="Reference a draft, or withdraw an app: withdrawal ends every pairing and "
        "revokes the app's tokens at once.",
    )
    @refusing(CatalogueError)
    async def set_catalogue_app_status(
        self, info: Info, id: strawberry.ID, status: CatalogueStatus
    ) -> AppResult | None:
        doc = await info.context.cases.run(catalogue.set_status, id, status.value)
        return CatalogueApp.from_doc(doc)

    @strawberry.mutation(
        extensions=[scoped("space:manage")],
        description="End a pairing: the app's tokens stop working on their next request.",
    )
    @refusing(CatalogueError)
    async def revoke_pairing(
        self, info: Info, patient_id: strawberry.ID, pairing_id: strawberry.ID
    ) -> PairingResult | None:
        doc, app = await info.context.cases.run(pairings.revoke, patient_id, pairing_id)
        return Pairing.of(doc, app)
