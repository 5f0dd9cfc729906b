"""Legal representatives: parents of minors, guardians of protected adults (R1111-40, R1111-27).

A representation names the representative by INS: a beneficiary file may list a child before
the parent, and the parent's space need not exist yet. Access checks look the representative up
by the INS of the person asking.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict

from pymongo import ASCENDING, IndexModel
from pymongo.errors import BulkWriteError

from storage.repository import Repository

Relation = Literal["parent", "guardian"]


class RepresentationDoc(TypedDict):
    _id: str  # "<represented id>:<representative INS>": recording it twice keeps one
    represented_id: str
    representative_ins: str
    relation: Relation
    since: datetime
    ended_at: datetime | None


class RepresentationRepository(Repository[RepresentationDoc]):
    name = "representations"
    indexes = (
        IndexModel(
            [("representative_ins", ASCENDING), ("represented_id", ASCENDING)],
            name="representative",
        ),
        IndexModel([("represented_id", ASCENDING)], name="represented"),
    )

    async def record(self, docs: list[RepresentationDoc]) -> None:
        if not docs:
            return
        try:
            await self.collection.insert_many(docs, ordered=False)
        except BulkWriteError as error:
            if any(e["code"] != 11000 for e in error.details["writeErrors"]):
                raise

    async def active(
        self, representative_ins: str, represented_id: str
    ) -> RepresentationDoc | None:
        return await self.collection.find_one(
            {
                "representative_ins": representative_ins,
                "represented_id": represented_id,
                "ended_at": None,
            }
        )

    async def represented_by(self, representative_ins: str) -> list[RepresentationDoc]:
        return await self.collection.find(
            {"representative_ins": representative_ins, "ended_at": None}
        ).to_list()
