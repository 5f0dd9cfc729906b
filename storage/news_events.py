"""What a patient is to hear of: one record per event (a document she can now see, a message a
professional wrote to her, an emergency access, a document released), batched into emails.

The id is derived from the cause (``document:<id>``, ``message:<id>``…): recording an event twice
keeps one. ``record`` is an upsert, so it also runs inside a transaction (a message and its event
land together) without a duplicate-key error aborting it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, TypedDict

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from storage.repository import Repository

NewsKind = Literal["document", "message", "emergency_access", "document_released"]
NewsStatus = Literal["pending", "sending", "sent", "skipped"]


class NewsEventDoc(TypedDict):
    _id: str  # "<kind>:<id of the cause>": recording it twice keeps one
    patient_id: str
    kind: NewsKind
    status: NewsStatus
    batch_id: str | None  # the email it went (or goes) out in
    created_at: datetime
    sent_at: datetime | None
    skipped_reason: str | None


def new_event(id_: str, patient_id: str, kind: NewsKind, now: datetime) -> NewsEventDoc:
    return {
        "_id": id_,
        "patient_id": patient_id,
        "kind": kind,
        "status": "pending",
        "batch_id": None,
        "created_at": now,
        "sent_at": None,
        "skipped_reason": None,
    }


class NewsEventRepository(Repository[NewsEventDoc]):
    name = "news_events"
    indexes = (
        IndexModel([("status", ASCENDING), ("created_at", ASCENDING)], name="due"),
        IndexModel([("patient_id", ASCENDING), ("status", ASCENDING)], name="patient"),
        IndexModel([("batch_id", ASCENDING)], name="batch", sparse=True),
    )

    async def record(self, doc: NewsEventDoc, session: AsyncClientSession | None = None) -> None:
        """Insert it unless an event with its id exists (whatever its status)."""
        await self.collection.update_one(
            {"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True, session=session
        )

    async def due_patients(self, cutoff: datetime, limit: int) -> list[str]:
        """Patients with an event pending since ``cutoff`` or earlier (the batching window has
        run), or with a batch on its way (whose sender may have died: its lease says)."""
        found = await self.collection.distinct(
            "patient_id",
            {
                "$or": [
                    {"status": "pending", "created_at": {"$lte": cutoff}},
                    {"status": "sending"},
                ]
            },
        )
        return [str(id_) for id_ in found[:limit]]

    async def claim_batch(self, patient_id: str, batch_id: str, now: datetime) -> None:
        """Put every pending event of the patient in the batch (called under the patient's
        lease: no other sender claims them meanwhile)."""
        await self.collection.update_many(
            {"patient_id": patient_id, "status": "pending", "created_at": {"$lte": now}},
            {"$set": {"status": "sending", "batch_id": batch_id}},
        )

    async def of_batch(self, batch_id: str) -> list[NewsEventDoc]:
        return await self.collection.find({"batch_id": batch_id, "status": "sending"}).to_list()

    async def close(
        self, ids: Sequence[str], status: NewsStatus, now: datetime, reason: str | None = None
    ) -> None:
        await self.collection.update_many(
            {"_id": {"$in": list(ids)}, "status": "sending"},
            {"$set": {"status": status, "sent_at": now, "skipped_reason": reason}},
        )
