"""Request counters for rate limiting, shared by every replica because they live in MongoDB.

One document per key and fixed window: ``_id`` is ``"<key>|<window start>"``, so a single
``find_one_and_update`` with ``$inc`` and ``upsert`` counts a request atomically, whichever
replica served it, and answers the count so far. A new window is a new document: nothing is ever
reset. A TTL index removes a window's document once it has ended (MongoDB's TTL monitor runs
about once a minute; an expired window is never read again anyway, since its id is in the past).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from pymongo import ASCENDING, IndexModel, ReturnDocument

from storage.repository import Repository


class RateWindowDoc(TypedDict):
    _id: str  # "<key>|<window start, epoch seconds>"
    key: str  # "client:<id>", "person:<kind>:<id>" or "ip:<address>"
    count: int
    expires_at: datetime  # the window's end: the TTL index removes it after that


class RateWindowRepository(Repository[RateWindowDoc]):
    name = "rate_windows"
    indexes = (IndexModel([("expires_at", ASCENDING)], name="expiry", expireAfterSeconds=0),)

    async def hit(self, key: str, window_start: int, expires_at: datetime) -> int:
        """Count one request for ``key`` in the window starting at ``window_start`` (epoch
        seconds); the number of requests counted in that window, this one included."""
        doc = await self.collection.find_one_and_update(
            {"_id": f"{key}|{window_start}"},
            {"$inc": {"count": 1}, "$setOnInsert": {"key": key, "expires_at": expires_at}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            projection={"count": 1},
        )
        assert doc is not None  # noqa: S101 - an upsert returning the document after always has one
        return int(doc["count"])
