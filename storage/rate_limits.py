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
from pymongo.errors import DuplicateKeyError

from storage.repository import Repository


class RateWindowDoc(TypedDict):
    _id: str  # "<key>|<window start, epoch seconds>"
    key: str  # "client:<id>", "person:<kind>:<id>", "ip:<address>"; failures: "fail:…"
    count: int
    expires_at: datetime  # the window's end: the TTL index removes it after that


class RateWindowRepository(Repository[RateWindowDoc]):
    name = "rate_windows"
    indexes = (IndexModel([("expires_at", ASCENDING)], name="expiry", expireAfterSeconds=0),)

    async def hit(self, key: str, window_start: int, expires_at: datetime) -> int:
        """Count one request for ``key`` in the window starting at ``window_start`` (epoch
        seconds); the number of requests counted in that window, this one included.

        Two replicas opening the same window at the same instant race on the upsert. MongoDB
        may answer the loser a duplicate key, before writing anything: it counts again, on the
        existing document. The embedded server instead applies the increment and answers no
        document: the count is then read back (it may include a concurrent request; for a
        limit, that errs on the safe side).
        """
        id_ = f"{key}|{window_start}"
        for _ in range(3):
            try:
                doc = await self.collection.find_one_and_update(
                    {"_id": id_},
                    {"$inc": {"count": 1}, "$setOnInsert": {"key": key, "expires_at": expires_at}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                    projection={"count": 1},
                )
            except DuplicateKeyError:
                continue
            if doc is None:
                doc = await self.collection.find_one({"_id": id_}, {"count": 1})
            if doc is not None:
                return int(doc["count"])
        raise RuntimeError(f"could not count a request for {key}")

    async def counts(self, keys: list[str], window_start: int) -> list[int]:
        """What ``hit`` counted so far for each of ``keys`` in that window (0 when nothing),
        without counting anything."""
        ids = [f"{key}|{window_start}" for key in keys]
        found = {
            doc["_id"]: int(doc["count"])
            async for doc in self.collection.find({"_id": {"$in": ids}}, {"count": 1})
        }
        return [found.get(id_, 0) for id_ in ids]
