"""One lease a patient and channel: whoever holds it is the only one sending her an email.

Claiming a batch of events one by one would let two replicas each take part of the same
patient's events and both send an email; taking the patient's lease first (one atomic upsert on
one document) makes the batch one sender's. The lease names the batch: a sender that dies
leaves it named, and the next holder sends that very batch again (same events, same
Message-ID) before anything new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from storage.repository import Repository


class NewsLeaseDoc(TypedDict):
    _id: str  # "<channel>:<patient id>"
    batch_id: str | None  # the batch being sent; None once it was sent
    lease_until: datetime


@dataclass(frozen=True, slots=True)
class Lease:
    key: str
    unfinished_batch: str | None  # a batch a previous holder claimed and did not finish


class NewsLeaseRepository(Repository[NewsLeaseDoc]):
    name = "news_leases"
    indexes = ()

    async def acquire(self, key: str, now: datetime, lease_until: datetime) -> Lease | None:
        """The lease when nobody holds it (or their time ran out); ``None`` otherwise."""
        try:
            before = await self.collection.find_one_and_update(
                {"_id": key, "lease_until": {"$lte": now}},
                {"$set": {"lease_until": lease_until}, "$setOnInsert": {"batch_id": None}},
                upsert=True,
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError:  # the document exists and its lease runs: someone holds it
            return None
        return Lease(key, before["batch_id"] if before else None)

    async def name_batch(self, key: str, batch_id: str) -> None:
        await self.collection.update_one({"_id": key}, {"$set": {"batch_id": batch_id}})

    async def release(self, key: str, now: datetime, *, retry_at: datetime | None = None) -> None:
        """Done (the batch forgotten), or failed (the batch kept, retried after ``retry_at``)."""
        if retry_at is None:
            update = {"$set": {"batch_id": None, "lease_until": now}}
        else:
            update = {"$set": {"lease_until": retry_at}}
        await self.collection.update_one({"_id": key}, update)
