"""New messages and read receipts as they are committed, from MongoDB change streams.

A change stream sees every insert into ``messages`` and ``message_receipts``, whichever replica
of the service wrote it, in commit order. Each event carries its resume token, which is the
position a client keeps: opening the feed again after that position replays what was committed
since, so a subscriber that reconnects misses nothing (for as long as the server's change history
reaches back; past that, :class:`PositionLost`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, cast

from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from storage.messages import MESSAGES, RECEIPTS, MessageDoc, ReceiptDoc
from storage.outage import mongo_outage

Kind = Literal["message", "receipt"]
KINDS: dict[str, Kind] = {MESSAGES: "message", RECEIPTS: "receipt"}


class PositionLost(Exception):
    """The position is not one this feed gave, or the change history no longer reaches it."""


@dataclass(frozen=True, slots=True)
class FeedEvent:
    position: str  # opaque: the change stream's resume token, base64url
    kind: Kind
    doc: MessageDoc | ReceiptDoc

    @property
    def id(self) -> str:
        return self.doc["_id"]

    @property
    def patient_id(self) -> str:
        return self.doc["patient_id"]

    @property
    def professional_id(self) -> str:
        return self.doc["professional_id"]


@dataclass(frozen=True, slots=True)
class Audience:
    """Whose events a stream keeps: ``None`` keeps everyone's (the shared stream)."""

    patient_ids: Sequence[str] = ()
    professional_ids: Sequence[str] = ()

    def match(self) -> dict[str, Any]:
        either: list[dict[str, Any]] = []
        if self.patient_ids:
            either.append({"fullDocument.patient_id": {"$in": list(self.patient_ids)}})
        if self.professional_ids:
            either.append({"fullDocument.professional_id": {"$in": list(self.professional_ids)}})
        return {"$or": either} if either else {"_id": {"$exists": False}}


def encode_position(token: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(str(token["_data"]).encode()).rstrip(b"=").decode()


def decode_position(position: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(position + "=" * (-len(position) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise PositionLost("not a position this feed gave") from None
    if not raw or not all(c in "0123456789abcdefABCDEF" for c in raw):
        raise PositionLost("not a position this feed gave")
    return {"_data": raw}


class Feed:
    """An open change stream over the messaging collections."""

    def __init__(self, stream: AsyncChangeStream[dict[str, Any]]) -> None:
        self._stream = stream

    async def next(self) -> FeedEvent:
        """The next event, waiting for one."""
        with mongo_outage():
            return self._event(await self._stream.next())

    async def ready(self) -> FeedEvent | None:
        """The next event if one is committed already, else ``None`` (caught up)."""
        with mongo_outage():
            change = await self._stream.try_next()
        return None if change is None else self._event(change)

    @property
    def position(self) -> str | None:
        token = self._stream.resume_token
        return None if token is None else encode_position(token)

    @staticmethod
    def _event(change: dict[str, Any]) -> FeedEvent:
        kind = KINDS[change["ns"]["coll"]]
        doc = cast("MessageDoc | ReceiptDoc", change["fullDocument"])
        return FeedEvent(position=encode_position(change["_id"]), kind=kind, doc=doc)


@asynccontextmanager
async def open_feed(
    db: AsyncDatabase[dict[str, Any]],
    *,
    after: str | None = None,
    audience: Audience | None = None,
    max_await_ms: int = 1000,
) -> AsyncIterator[Feed]:
    """A change stream of the inserts into ``messages`` and ``message_receipts`` committed after
    the moment it opens, or after the position ``after``; ``audience`` narrows it server-side."""
    match: dict[str, Any] = {"operationType": "insert", "ns.coll": {"$in": list(KINDS)}}
    if audience is not None:
        match = {"$and": [match, audience.match()]}
    try:
        with mongo_outage():
            stream = await db.watch(
                [{"$match": match}],
                resume_after=None if after is None else decode_position(after),
                max_await_time_ms=max_await_ms,
            )
    except OperationFailure as error:
        if after is not None and _lost(error):
            raise PositionLost(
                str(error.details.get("errmsg", "")) if error.details else ""
            ) from error
        raise
    async with stream:
        yield Feed(stream)


# FailedToParse, ChangeStreamHistoryLost, ChangeStreamFatalError, InvalidResumeToken, BadValue
LOST_CODES = frozenset({2, 9, 260, 280, 286})


def _lost(error: OperationFailure) -> bool:
    return error.code in LOST_CODES
