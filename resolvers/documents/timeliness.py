"""The duty to deposit (R1111-42): a professional deposits a document the day of the act, at
discharge for a hospital stay. A deposit is never refused for being late (the document still
helps the patient); it is measured, and professionals, establishments and the operator see the
figures.

- The act's date is the service stop (discharge), else the document's creation time.
- Late: deposited after the act's calendar day in Europe/Paris (a 23:30 act deposited at 00:30
  the next day is late), whatever the UTC offset of that day (DST).
- Measured once, when the document becomes available (``deposit.finish``): direct deposits,
  confirmed uploads, new versions. Records that are not a professional's deposit (imports from
  the old DMP, the insurer's feeds, a patient's or an app's own documents) and records older than
  this module carry no measure: their lateness is unknown (``None``), never guessed.
- Who sees which figures: a professional their own and their establishment's (FINESS); another
  establishment's answer ``NOT_FOUND``; the operator (scope ``admin``) the nation's and any
  establishment's; patients and apps are refused. The establishment view is figures only: its
  members' late deposits are listed to each of them, never to the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock
from resolvers.core.errors import Forbidden, InvalidInput, NotFound
from resolvers.core.identity import normalize_finess
from resolvers.core.pagination import Counted, decode_cursor, page_size
from storage.documents import DepositFiguresDoc, DocumentDoc, TimelinessDoc
from storage.professionals import ProfessionalDoc
from storage.stores import Stores

PARIS = ZoneInfo("Europe/Paris")
MAX_PERIOD = timedelta(days=400)  # a year and some: figures scan the period's deposits
SORT_KEY = "deposited_at"
NOT_YOURS = "No establishment with this FINESS number is yours to see."


def act_date(doc: DocumentDoc) -> datetime:
    """When the act ended: the service stop (a stay's discharge), else the creation time."""
    return doc["service_stop"] or doc["created_at"]


def deadline_of(act: datetime) -> datetime:
    """The end of the act's calendar day in Paris (the next Paris midnight), in UTC."""
    day = act.astimezone(PARIS).date()
    # French DST changes happen at 02:00/03:00: a Paris midnight always exists, once.
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)


def establishment_of(pro: ProfessionalDoc | None) -> str | None:
    """The FINESS number of a professional's practice, kept on their deposits' author record."""
    practice = pro["practice"] if pro else None
    return practice.get("finess") if practice else None


def measure(doc: DocumentDoc, deposited_at: datetime) -> TimelinessDoc | None:
    """The deposit against its deadline; ``None`` when it is not a professional's deposit."""
    if doc["author"]["kind"] != ActorKind.PROFESSIONAL.value:
        return None
    act = act_date(doc)
    deadline = deadline_of(act)
    late = deposited_at >= deadline
    return {
        "act_at": act,
        "late": late,
        "late_by_s": int((deposited_at - deadline).total_seconds()) if late else 0,
        "delay_s": max(0, int((deposited_at - act).total_seconds())),
    }


@dataclass(frozen=True, slots=True)
class Period:
    """Deposits made from ``start`` (included) to ``end`` (excluded)."""

    start: datetime
    end: datetime

    def checked(self) -> Period:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("from and to need a time zone offset", field="to")
        if self.end <= self.start:
            raise InvalidInput("to comes after from", field="to")
        if self.end - self.start > MAX_PERIOD:
            raise InvalidInput(f"a period spans at most {MAX_PERIOD.days} days", field="to")
        return self

    def query(self) -> dict[str, Any]:
        return {
            "timeliness": {"$type": "object"},
            "deposited_at": {"$gte": self.start, "$lt": self.end},
        }


def _professional(actor: Actor) -> bool:
    return actor.kind is ActorKind.PROFESSIONAL and "documents:write" in actor.scopes


def _operator(actor: Actor) -> bool:
    return actor.kind is ActorKind.OPERATOR and "admin" in actor.scopes


def _only(allowed: bool, who: str) -> None:
    if not allowed:
        raise Forbidden(f"Deposit figures are for {who}.")


async def my_figures(
    stores: Stores, clock: Clock, actor: Actor, period: Period
) -> DepositFiguresDoc:
    """The calling professional's own deposits."""
    _only(_professional(actor), "professionals who deposit (scope documents:write)")
    return await stores.documents.deposit_figures(
        {**period.checked().query(), "author.id": actor.id}
    )


async def establishment_figures(
    stores: Stores, clock: Clock, actor: Actor, finess: str, period: Period
) -> DepositFiguresDoc:
    """An establishment's professionals' deposits: theirs, or any for the operator."""
    _only(_professional(actor) or _operator(actor), "professionals and the operator")
    number = normalize_finess(finess)
    mine = _operator(actor) or establishment_of(await stores.professionals.get(actor.id)) == number
    if not mine:
        raise NotFound(NOT_YOURS, field="finess")
    return await stores.documents.deposit_figures(
        {**period.checked().query(), "author.finess": number}
    )


async def national_figures(
    stores: Stores, clock: Clock, actor: Actor, period: Period
) -> DepositFiguresDoc:
    """Every professional's deposits, for the operator."""
    _only(_operator(actor), "the operator (scope admin)")
    return await stores.documents.deposit_figures(period.checked().query())


async def my_late_deposits(
    stores: Stores,
    clock: Clock,
    actor: Actor,
    period: Period,
    *,
    first: int | None,
    after: str | None,
) -> Counted[DocumentDoc]:
    """The calling professional's late deposits, latest first; their own only."""
    _only(_professional(actor), "professionals who deposit (scope documents:write)")
    size = page_size(first)
    keyset = decode_cursor(after)
    query = {**period.checked().query(), "author.id": actor.id, "timeliness.late": True}
    page = await stores.documents.find_page(query, sort_key=SORT_KEY, first=size, after=keyset)

    async def count() -> int:
        return await stores.documents.count(query)

    return page, count
