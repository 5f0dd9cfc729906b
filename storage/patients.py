"""Patients: the holders of a space, identified by their INS."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict

from pymongo import ASCENDING, IndexModel

from storage.repository import Repository

Sex = Literal["M", "F", "U"]


class InsDoc(TypedDict):
    matricule: str  # NIR or NIA: 13 characters then the 2-digit key
    oid: str  # OID of the assigning authority


class IdentityDoc(TypedDict):
    """The five INS identity traits."""

    birth_names: str
    first_names: list[str]
    sex: Sex
    birth_date: str  # ISO date, YYYY-MM-DD: a calendar date has no time zone
    birth_place_code: str  # INSEE code of the commune, or of the country for people born abroad


class PatientDoc(TypedDict):
    _id: str
    ins: InsDoc
    identity: IdentityDoc
    email: str | None
    created_at: datetime
    updated_at: datetime


class PatientRepository(Repository[PatientDoc]):
    name = "patients"
    indexes = (IndexModel([("ins.matricule", ASCENDING)], name="ins_unique", unique=True),)

    async def by_ins(self, matricule: str) -> PatientDoc | None:
        return await self.collection.find_one({"ins.matricule": matricule})
