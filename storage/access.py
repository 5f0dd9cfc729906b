"""What a patient decided about each professional, and the emergency accesses declared.

- ``access_authorisations``: one document per patient and professional the patient made a
  choice about: consent given (for someone outside the care team), blocked, allowed to see
  documents hidden from professionals. No document: no choice, the defaults apply.
- ``emergency_accesses``: each break-glass declaration, with its reason and its end.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from storage.repository import Repository


class AuthorisationDoc(TypedDict):
    _id: str  # "<patient_id>:<professional_id>"
    patient_id: str
    professional_id: str
    consent: bool
    blocked: bool
    sees_hidden: bool
    updated_at: datetime


CHOICES = ("consent", "blocked", "sees_hidden")


class AuthorisationRepository(Repository[AuthorisationDoc]):
    name = "access_authorisations"
    indexes = (
        IndexModel([("patient_id", ASCENDING), ("updated_at", DESCENDING)], name="patient"),
        IndexModel([("professional_id", ASCENDING), ("blocked", ASCENDING)], name="professional"),
    )

    async def blocked_for(self, professional_id: str) -> list[str]:
        """The patients who blocked ``professional_id``."""
        cursor = self.collection.find(
            {"professional_id": professional_id, "blocked": True}, {"patient_id": 1}
        )
        return [doc["patient_id"] async for doc in cursor]

    async def consents_of(self, professional_id: str, since: datetime) -> list[str]:
        """The patients whose consent to ``professional_id`` is in force and was given (or last
        changed) since ``since``."""
        cursor = self.collection.find(
            {"professional_id": professional_id, "consent": True, "updated_at": {"$gte": since}},
            {"patient_id": 1},
        )
        return [doc["patient_id"] async for doc in cursor]

    async def of(self, patient_id: str, professional_id: str) -> AuthorisationDoc | None:
        return await self.get(f"{patient_id}:{professional_id}")

    async def choose(
        self, patient_id: str, professional_id: str, choices: dict[str, bool], now: datetime
    ) -> AuthorisationDoc:
        """Record the patient's choices (``consent``, ``blocked``, ``sees_hidden``); the others
        keep their value (``False`` when never chosen)."""
        unchosen = {key: False for key in CHOICES if key not in choices}
        doc = await self.collection.find_one_and_update(
            {"_id": f"{patient_id}:{professional_id}"},
            {
                "$set": {**choices, "updated_at": now},
                "$setOnInsert": {
                    "patient_id": patient_id,
                    "professional_id": professional_id,
                    **unchosen,
                },
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None  # noqa: S101 - upserted
        return doc

    async def of_patient(self, patient_id: str) -> list[AuthorisationDoc]:
        cursor = self.collection.find({"patient_id": patient_id}).sort("updated_at", DESCENDING)
        return await cursor.to_list(None)


class EmergencyAccessDoc(TypedDict):
    _id: str
    patient_id: str
    professional_id: str
    client_id: str  # the practice software it was declared through
    reason: str
    started_at: datetime
    expires_at: datetime


class EmergencyAccessRepository(Repository[EmergencyAccessDoc]):
    name = "emergency_accesses"
    indexes = (
        IndexModel(
            [("patient_id", ASCENDING), ("professional_id", ASCENDING), ("expires_at", DESCENDING)],
            name="patient_professional",
        ),
        IndexModel(
            [("professional_id", ASCENDING), ("started_at", DESCENDING)], name="declared_by"
        ),
    )

    async def declared_by(self, professional_id: str, since: datetime) -> list[str]:
        """The patients ``professional_id`` declared an emergency access to since ``since``."""
        cursor = self.collection.find(
            {"professional_id": professional_id, "started_at": {"$gte": since}}, {"patient_id": 1}
        )
        return [doc["patient_id"] async for doc in cursor]

    async def active(
        self, patient_id: str, professional_id: str, now: datetime
    ) -> EmergencyAccessDoc | None:
        return await self.collection.find_one(
            {
                "patient_id": patient_id,
                "professional_id": professional_id,
                "expires_at": {"$gt": now},
            },
            sort=[("expires_at", DESCENDING)],
        )

    async def of_patient(self, patient_id: str, limit: int = 100) -> list[EmergencyAccessDoc]:
        """The patient's emergency accesses, latest first."""
        cursor = self.collection.find({"patient_id": patient_id}).sort("started_at", DESCENDING)
        return await cursor.to_list(limit)
