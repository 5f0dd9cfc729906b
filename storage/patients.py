"""Patients and their space: identity (INS), contact, and where the space is in its life."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import BulkWriteError

from storage.repository import Keyset, Page, Repository

Sex = Literal["M", "F", "U"]
SpaceStatus = Literal[
    "provisioned",  # announced to the person; opens on ``opening_date`` unless they object
    "objected",  # the person objected before the opening: no space was ever opened
    "open",  # opened, not yet activated by its holder
    "active",  # activated: the holder has credentials
    "suspended",  # suspended by the insurer for fraud; closes at ``suspension_deadline``
    "closed",  # closed and archived until ``archive_until``
    "deleted",  # purged; only this tombstone remains, so a re-provisioning creates nothing
]


class InsDoc(TypedDict):
    matricule: str  # NIR or NIA: 13 characters then the 2-digit key
    oid: str  # OID of the assigning authority


class IdentityDoc(TypedDict):
    """The five INS identity traits."""

    birth_names: str
    first_names: list[str]
    sex: Sex
    birth_date: str  # ISO date, YYYY-MM-DD: a calendar date has no time zone
    birth_place_code: str  # INSEE code of the commune, or of the country for people born abroad


class PostalAddressDoc(TypedDict):
    lines: list[str]
    postcode: str
    city: str
    country: str


class PendingNoticeDoc(TypedDict):
    id: str  # the outbox id it will have: enqueueing twice creates it once
    template: str


class SpaceDoc(TypedDict):
    status: SpaceStatus
    opening_date: str | None  # ISO date: the notice date plus six weeks
    objection_code_hash: str | None
    objected_at: datetime | None
    opened_at: datetime | None
    activation_code_hash: str | None
    activation_expires_at: datetime | None
    activated_at: datetime | None
    failed_code_attempts: int
    codes_locked_until: datetime | None
    suspended_at: datetime | None
    suspension_deadline: datetime | None
    status_before_suspension: SpaceStatus | None
    closed_at: datetime | None
    closed_reason: str | None
    archive_until: datetime | None
    deletion_due_at: datetime | None
    deleted_at: datetime | None
    batch_id: str | None  # the provisioning batch that created it
    batch_line: int | None  # and the line of its file
    notices: list[PendingNoticeDoc]  # notifications decided, not yet in the outbox
    legacy_import_objected_at: NotRequired[datetime | None]  # R1111-40: keep the old DMP out
    care_team_objected_at: NotRequired[datetime | None]  # no deemed authorisation of the team
    emergency_objected_at: NotRequired[datetime | None]  # no emergency (break-glass) access


class PatientDoc(TypedDict):
    _id: str
    ins: InsDoc
    identity: IdentityDoc
    email: str | None
    address: PostalAddressDoc | None
    space: SpaceDoc
    created_at: datetime
    updated_at: datetime


def new_space(status: SpaceStatus, **fields: Any) -> SpaceDoc:
    """A space document with every field present (``None`` where unknown)."""
    space: dict[str, Any] = {key: None for key in SpaceDoc.__annotations__}
    space.update({"status": status, "failed_code_attempts": 0, "notices": [], **fields})
    return space  # type: ignore[return-value]  # every key of SpaceDoc was set above


class PatientRepository(Repository[PatientDoc]):
    name = "patients"
    indexes = (
        IndexModel([("ins.matricule", ASCENDING)], name="ins_unique", unique=True),
        IndexModel(
            [("space.status", ASCENDING), ("space.opening_date", ASCENDING)], name="status_opening"
        ),
        IndexModel([("space.batch_id", ASCENDING)], name="batch", sparse=True),
        IndexModel([("space.notices.id", ASCENDING)], name="pending_notices", sparse=True),
    )

    async def by_ins(self, matricule: str) -> PatientDoc | None:
        return await self.collection.find_one({"ins.matricule": matricule})

    async def ids_by_ins(self, matricules: Sequence[str]) -> dict[str, str]:
        cursor = self.collection.find(
            {"ins.matricule": {"$in": list(matricules)}}, {"ins.matricule": 1}
        )
        return {doc["ins"]["matricule"]: doc["_id"] async for doc in cursor}

    @staticmethod
    def _listed(ids: Sequence[str]) -> dict[str, Any]:
        """Of ``ids``, the patients a professional's list may show: never an objected or deleted
        space, nor one whose holder objected to the care team's deemed authorisation."""
        return {
            "_id": {"$in": list(ids)},
            "space.status": {"$nin": ["objected", "deleted"]},
            "space.care_team_objected_at": None,
        }

    async def page_listed(
        self, ids: Sequence[str], first: int, after: Keyset | None
    ) -> Page[PatientDoc]:
        return await self.find_page(
            self._listed(ids), sort_key="_id", first=first, after=after, descending=False
        )

    async def count_listed(self, ids: Sequence[str]) -> int:
        return await self.count(self._listed(ids))

    async def insert_new(self, docs: Sequence[PatientDoc]) -> set[str]:
        """Insert what is not there yet (by INS); returns the INS matricules that were there."""
        if not docs:
            return set()
        try:
            await self.collection.insert_many(list(docs), ordered=False)
        except BulkWriteError as error:
            duplicates = [e for e in error.details["writeErrors"] if e["code"] == 11000]
            if len(duplicates) != len(error.details["writeErrors"]):
                raise
            return {docs[e["index"]]["ins"]["matricule"] for e in duplicates}
        return set()

    async def transition(
        self,
        query: Mapping[str, Any],
        changes: Mapping[str, Any],
        now: datetime,
        push_notices: Sequence[PendingNoticeDoc] = (),
    ) -> PatientDoc | None:
        """Change one space atomically, if it still matches ``query``; the document after, or
        ``None`` when nothing matched (someone else got there first, or the state moved on)."""
        update: dict[str, Any] = {"$set": {**changes, "updated_at": now}}
        if push_notices:
            update["$push"] = {"space.notices": {"$each": list(push_notices)}}
        return await self.collection.find_one_and_update(
            query, update, return_document=ReturnDocument.AFTER
        )

    async def without_status(self, ids: Sequence[str], statuses: Sequence[str]) -> list[str]:
        """Of ``ids``, the patients whose space is in none of ``statuses``."""
        found = await self.collection.distinct(
            "_id", {"_id": {"$in": list(ids)}, "space.status": {"$nin": list(statuses)}}
        )
        return [str(id_) for id_ in found]

    async def deleted_not_purged(self, limit: int) -> list[str]:
        cursor = self.collection.find(
            {"space.status": "deleted", "identity.birth_names": {"$ne": ""}}, {"_id": 1}
        )
        return [doc["_id"] async for doc in cursor.limit(limit)]

    async def with_pending_notices(self, limit: int) -> list[PatientDoc]:
        return (
            await self.collection.find({"space.notices.0": {"$exists": True}})
            .limit(limit)
            .to_list()
        )

    async def drop_notice(self, patient_id: str, notice_id: str) -> None:
        await self.collection.update_one(
            {"_id": patient_id}, {"$pull": {"space.notices": {"id": notice_id}}}
        )
