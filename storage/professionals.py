"""Health professionals, identified by their RPPS number."""

from __future__ import annotations

from datetime import datetime
from typing import NotRequired, TypedDict

from pymongo import ASCENDING, IndexModel

from storage.repository import Repository


class PracticeDoc(TypedDict):
    name: str
    city: str
    finess: NotRequired[str | None]  # the establishment's FINESS number (9 digits, Luhn key)


class ProfessionalDoc(TypedDict):
    _id: str
    rpps: str  # 11 digits, the last one a Luhn check digit
    first_name: str
    last_name: str
    profession_code: str  # TRE_G15
    specialty_code: str | None  # TRE_R38
    practice: PracticeDoc | None
    email: NotRequired[str | None]  # secure-messaging (MSSanté) address, for notices
    created_at: datetime
    updated_at: datetime


class ProfessionalRepository(Repository[ProfessionalDoc]):
    name = "professionals"
    indexes = (IndexModel([("rpps", ASCENDING)], name="rpps_unique", unique=True),)

    async def by_rpps(self, rpps: str) -> ProfessionalDoc | None:
        return await self.collection.find_one({"rpps": rpps})
