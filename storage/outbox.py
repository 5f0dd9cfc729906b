"""Notifications to send, by email or by post: an outbox in MongoDB.

Decided in the same write as what caused them (see ``PatientDoc.space.notices``), then sent by
whichever replica claims them first. A claim is a lease: a sender that dies mid-way leaves the
notification to be claimed again once the lease has run out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from storage.patients import PostalAddressDoc
from storage.repository import Repository

Channel = Literal["email", "post"]
NotificationStatus = Literal["pending", "sending", "sent", "exported", "failed"]


class NotificationDoc(TypedDict):
    _id: str
    patient_id: str
    template: str
    channel: Channel
    email: str | None
    address: PostalAddressDoc | None
    status: NotificationStatus
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    created_at: datetime
    sent_at: datetime | None
    export_id: str | None
    last_error: str | None


class OutboxRepository(Repository[NotificationDoc]):
    name = "outbox"
    indexes = (
        IndexModel(
            [("channel", ASCENDING), ("status", ASCENDING), ("next_attempt_at", ASCENDING)],
            name="due",
        ),
        IndexModel([("patient_id", ASCENDING), ("created_at", ASCENDING)], name="patient"),
        IndexModel([("export_id", ASCENDING)], name="export", sparse=True),
    )

    async def enqueue(self, doc: NotificationDoc) -> bool:
        """Add it unless it is there already (same id); ``True`` when added."""
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def claim(
        self, channel: Channel, now: datetime, lease_until: datetime
    ) -> NotificationDoc | None:
        """Take one notification due for sending (or whose sender's lease ran out)."""
        return await self.collection.find_one_and_update(
            {
                "channel": channel,
                "$or": [
                    {"status": "pending", "next_attempt_at": {"$lte": now}},
                    {"status": "sending", "lease_until": {"$lte": now}},
                ],
            },
            {"$set": {"status": "sending", "lease_until": lease_until}, "$inc": {"attempts": 1}},
            sort=[("next_attempt_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def mark_sent(self, id_: str, now: datetime) -> None:
        await self.collection.update_one(
            {"_id": id_}, {"$set": {"status": "sent", "sent_at": now, "lease_until": None}}
        )

    async def mark_exported(self, id_: str, export_id: str, now: datetime) -> None:
        await self.collection.update_one(
            {"_id": id_},
            {
                "$set": {
                    "status": "exported",
                    "export_id": export_id,
                    "sent_at": now,
                    "lease_until": None,
                }
            },
        )

    async def retry_later(
        self, id_: str, next_attempt_at: datetime, error: str, give_up: bool
    ) -> None:
        await self.collection.update_one(
            {"_id": id_},
            {
                "$set": {
                    "status": "failed" if give_up else "pending",
                    "next_attempt_at": next_attempt_at,
                    "lease_until": None,
                    "last_error": error,
                }
            },
        )
