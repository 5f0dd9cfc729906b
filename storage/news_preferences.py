"""What a patient chose to hear of, per channel then per kind (``channels.email.message``).

Keyed by channel so that SMS or push is a new key, not a new collection. A missing entry means
the default: on (docs/notifications.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from storage.repository import Repository


class NewsPreferencesDoc(TypedDict):
    _id: str  # the patient's id
    channels: dict[str, dict[str, bool]]  # channel -> kind -> wanted
    updated_at: datetime


class NewsPreferenceRepository(Repository[NewsPreferencesDoc]):
    name = "news_preferences"
    indexes = ()

    async def of_patient(self, patient_id: str) -> dict[str, dict[str, bool]]:
        doc = await self.collection.find_one({"_id": patient_id})
        return doc["channels"] if doc else {}

    async def choose(
        self, patient_id: str, channel: str, kind: str, wanted: bool, now: datetime
    ) -> dict[str, dict[str, bool]]:
        await self.collection.update_one(
            {"_id": patient_id},
            {"$set": {f"channels.{channel}.{kind}": wanted, "updated_at": now}},
            upsert=True,
        )
        return await self.of_patient(patient_id)
