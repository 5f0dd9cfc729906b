"""The duty to deposit (R1111-42) as GraphQL: the figures of a professional, an establishment
and the nation over a period, and a professional's own late deposits
(``resolvers.documents.timeliness`` says who sees what)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers.documents import timeliness
from resolvers.documents.timeliness import Period
from schema.core.context import Info
from schema.core.pagination import Connection, connection
from schema.core.permissions import authenticated
from schema.service.terminology import Concept
from storage.documents import DepositFiguresDoc, DocumentDoc

From = Annotated[
    datetime, strawberry.argument(name="from", description="Deposits made from then (included).")
]
To = Annotated[
    datetime, strawberry.argument(description="…to then (excluded); at most 400 days later.")
]


@strawberry.type(description="Deposits over a period against the duty to deposit (R1111-42).")
class DepositFigures:
    count: int = strawberry.field(description="Professionals' deposits in the period.")
    late: int = strawberry.field(description="Of them, deposited after the act's day.")
    share_late: float | None = strawberry.field(description="late / count; null when none.")
    median_delay_seconds: int | None = strawberry.field(
        description="Median time from the act to its deposit (nearest rank); null when none."
    )
    p90_delay_seconds: int | None = strawberry.field(
        description="90th percentile of that time (nearest rank); null when none."
    )

    @classmethod
    def from_doc(cls, doc: DepositFiguresDoc) -> DepositFigures:
        return cls(
            count=doc["count"],
            late=doc["late"],
            share_late=doc["late"] / doc["count"] if doc["count"] else None,
            median_delay_seconds=doc["median_delay_s"],
            p90_delay_seconds=doc["p90_delay_s"],
        )


@strawberry.type(
    description="One of your late deposits: which document and how late, nothing of the patient "
    "(you may have lost access to the record since)."
)
class LateDeposit:
    document_id: strawberry.ID
    type: Concept = strawberry.field(description="Document type (JDV_J66, LOINC).")
    act_date: datetime
    deposited_at: datetime
    late_by_seconds: int

    @classmethod
    def from_doc(cls, doc: DocumentDoc) -> LateDeposit:
        measured = doc.get("timeliness")
        assert measured is not None  # noqa: S101 - only measured deposits are listed
        kind = doc["type"]
        return cls(
            document_id=strawberry.ID(doc["_id"]),
            type=Concept(code=kind["code"], label=kind["label"], system=kind["system"]),
            act_date=measured["act_at"],
            deposited_at=doc["deposited_at"],
            late_by_seconds=measured["late_by_s"],
        )


@strawberry.type
class DepositFiguresQuery:
    @strawberry.field(
        extensions=[authenticated()],
        description="Your own deposits' figures (a professional with `documents:write`).",
    )
    async def my_deposit_figures(self, info: Info, from_: From, to: To) -> DepositFigures | None:
        done = await info.context.cases.run(timeliness.my_figures, Period(from_, to))
        return DepositFigures.from_doc(done)

    @strawberry.field(
        extensions=[authenticated()],
        description="An establishment's figures (its professionals' deposits): your own "
        "establishment's, or any for the operator (`admin`); others answer NOT_FOUND.",
    )
    async def establishment_deposit_figures(
        self, info: Info, finess: str, from_: From, to: To
    ) -> DepositFigures | None:
        done = await info.context.cases.run(
            timeliness.establishment_figures, finess, Period(from_, to)
        )
        return DepositFigures.from_doc(done)

    @strawberry.field(
        extensions=[authenticated()],
        description="The nation's figures, for the operator (`admin`).",
    )
    async def national_deposit_figures(
        self, info: Info, from_: From, to: To
    ) -> DepositFigures | None:
        done = await info.context.cases.run(timeliness.national_figures, Period(from_, to))
        return DepositFigures.from_doc(done)

    @strawberry.field(
        extensions=[authenticated()],
        description="Your own late deposits in the period, latest first (a professional).",
    )
    async def my_late_deposits(
        self,
        info: Info,
        from_: From,
        to: To,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LateDeposit] | None:
        page, count = await info.context.cases.run(
            timeliness.my_late_deposits, Period(from_, to), first=first, after=after
        )
        return connection(
            [LateDeposit.from_doc(doc) for doc in page.items],
            page.items,
            sort_key=timeliness.SORT_KEY,
            has_next=page.has_next,
            after=after,
            count=count,
        )
