"""The catalogue of State-referenced apps, and the pairings patients made with them.

- ``catalogue_apps``: what an operator referenced: publisher, description, domain, the data
  categories asked for (each with its justification), retention, consent text and duration, the
  OAuth client the app uses, and where it is in its life (draft → referenced → withdrawn).
- ``pairings``: one per patient and app: the consent (which categories, when, until when) and
  its end (revoked by the patient, or the app withdrawn).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, TypedDict

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from storage.repository import Keyset, Page, Repository

Domain = Literal["medical_follow_up", "diagnosis", "prevention", "well_being"]
AppStatus = Literal["draft", "referenced", "withdrawn"]


class CategoryDoc(TypedDict):
    scope: str  # agenda:read, documents:write, measurements:read…
    justification: str


class CatalogueAppDoc(TypedDict):
    _id: str
    client_id: str
    name: str
    publisher: str
    description: str
    domain: Domain
    categories: list[CategoryDoc]
    retention_days: int  # how long the app keeps what it receives
    consent_days: int  # how long a patient's consent lasts
    consent_text: str
    search_keys: list[str]  # normalised words of the name, publisher and description
    status: AppStatus
    created_at: datetime
    updated_at: datetime
    referenced_at: datetime | None
    withdrawn_at: datetime | None


class CatalogueRepository(Repository[CatalogueAppDoc]):
    name = "catalogue_apps"
    indexes = (
        IndexModel([("client_id", ASCENDING)], name="client", unique=True),
        IndexModel([("status", ASCENDING), ("name", ASCENDING), ("_id", ASCENDING)], name="list"),
    )

    async def page(
        self, filter_: Mapping[str, Any], first: int, after: Keyset | None
    ) -> Page[CatalogueAppDoc]:
        """By name, A to Z."""
        return await self.find_page(
            filter_, sort_key="name", first=first, after=after, descending=False
        )

    async def by_client(self, client_id: str) -> CatalogueAppDoc | None:
        return await self.collection.find_one({"client_id": client_id})

    async def change(
        self, app_id: str, expected: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> CatalogueAppDoc | None:
        """Apply ``changes`` if the app still matches ``expected``; the app after, or ``None``."""
        return await self.collection.find_one_and_update(
            {"_id": app_id, **expected},
            {"$set": dict(changes)},
            return_document=ReturnDocument.AFTER,
        )


class PairingDoc(TypedDict):
    _id: str  # "<patient_id>:<app_id>": one pairing per patient and app
    patient_id: str
    app_id: str
    client_id: str
    scopes: list[str]  # what the patient consented to
    consented_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_because: str | None  # "patient" or "withdrawn"


class PairingRepository(Repository[PairingDoc]):
    name = "pairings"
    indexes = (
        IndexModel([("patient_id", ASCENDING), ("consented_at", DESCENDING)], name="patient"),
        IndexModel([("app_id", ASCENDING), ("revoked_at", ASCENDING)], name="app"),
    )

    async def consent(self, doc: PairingDoc) -> None:
        """Record (or renew) the patient's consent to the app."""
        await self.collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    async def active(self, patient_id: str, app_id: str, now: datetime) -> PairingDoc | None:
        return await self.collection.find_one(
            {
                "_id": f"{patient_id}:{app_id}",
                "revoked_at": None,
                "expires_at": {"$gt": now},
            }
        )

    async def of_patient(self, patient_id: str) -> list[PairingDoc]:
        cursor = self.collection.find({"patient_id": patient_id}).sort("consented_at", DESCENDING)
        return await cursor.to_list(None)

    async def revoke(self, pairing_id: str, now: datetime, because: str) -> PairingDoc | None:
        return await self.collection.find_one_and_update(
            {"_id": pairing_id, "revoked_at": None},
            {"$set": {"revoked_at": now, "revoked_because": because}},
            return_document=ReturnDocument.AFTER,
        )

    async def revoke_app(self, app_id: str, now: datetime) -> int:
        result = await self.collection.update_many(
            {"app_id": app_id, "revoked_at": None},
            {"$set": {"revoked_at": now, "revoked_because": "withdrawn"}},
        )
        return result.modified_count
