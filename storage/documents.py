"""Health documents: metadata in MongoDB, bytes in the object store under an opaque key.

A record is written before its bytes, as ``pending``: whatever fails midway, the record says
which key to clean up (``espace-sante reconcile``). It becomes ``available`` only once the
bytes are stored and checked. Versions of one document share a ``set_id``; the replaced ones
stay, marked ``replaced``. Who sees what is decided by ``resolvers.documents.rules`` and applied
in the query itself, on the flags below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict, cast

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from storage.profile import AuthorDoc as ProtectionSetterDoc  # kind, id, client, name
from storage.repository import Repository

DocumentStatus = Literal["pending", "available", "replaced", "archived", "purging", "withdrawn"]
SHOWN: tuple[DocumentStatus, ...] = ("available",)


class CodedDoc(TypedDict):
    code: str
    label: str
    system: str


class IdentifierDoc(TypedDict):
    system: str  # RPPS, ADELI, FINESS, SIREN, SIRET, RPPS_RANG, INTERNAL, INS, OTHER
    value: str
    oid: str  # the assigning authority, as the source gave it


class InstitutionDoc(TypedDict):
    name: str
    identifier: IdentifierDoc | None


class AuthorDoc(TypedDict):
    kind: str  # professional, patient, app; imported: also device, organization
    id: str  # the professional's or the patient's id
    client_id: str | None
    rpps: str | None
    profession_code: str | None
    name: str
    # imported documents (IHE XDM): the author as the legacy DMP's metadata named them
    identifier: NotRequired[IdentifierDoc | None]
    institution: NotRequired[InstitutionDoc | None]
    specialty: NotRequired[str | None]
    finess: NotRequired[str | None]  # a professional's establishment at deposit (figures)


class TimelinessDoc(TypedDict):
    """A professional's deposit measured against the duty to deposit (R1111-42), set when the
    document became available; absent on records that are not a professional's deposit (imports,
    older records: "unknown")."""

    act_at: datetime  # service stop, else creation
    late: bool  # deposited after the act's calendar day (Europe/Paris)
    late_by_s: int  # seconds past the end of that day (0 when on time)
    delay_s: int  # seconds from the act to the deposit (0 when deposited before the act)


class DepositFiguresDoc(TypedDict):
    count: int
    late: int
    median_delay_s: int | None  # None when there is no deposit
    p90_delay_s: int | None


class ExpectedDoc(TypedDict):
    """What a presigned upload promised, checked on confirm."""

    size: int
    sha256: str
    format: str


class DocumentDoc(TypedDict):
    _id: str
    patient_id: str
    set_id: str  # the first version's id, shared by every version
    version: int
    replaces: str | None
    replaced_by: str | None
    status: DocumentStatus
    type: CodedDoc  # JDV_J66, mostly LOINC
    class_code: CodedDoc  # JDV_J06
    title: str
    author: AuthorDoc
    confidentiality: str  # HL7 N, R or V; the visibility codes are the three flags below
    hidden_from_professionals: bool  # MASQUE_PS
    hidden_from_patient: bool  # INVISIBLE_PATIENT
    hidden_from_representatives: bool  # INVISIBLE_REPRESENTANTS_LEGAUX
    release_at: datetime | None  # when a hidden-from-patient document shows by itself
    patient_told_at: datetime | None
    created_at: datetime  # the act: when the author wrote it
    service_start: datetime | None
    service_stop: datetime | None
    deposited_at: datetime
    format: str  # media type, as detected from the bytes
    size: int
    sha256: str
    object_key: str  # opaque: never derived from the patient
    expected: ExpectedDoc | None  # presigned uploads only
    expires_at: datetime | None  # a pending record past this is abandoned
    archived_at: datetime | None
    purge_after: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    updated_at: datetime
    # who set each protection (only they, or the holder, lift it); absent on older records
    hidden_from_professionals_by: NotRequired[ProtectionSetterDoc | None]
    hidden_from_representatives_by: NotRequired[ProtectionSetterDoc | None]
    legacy_key: NotRequired[str]  # "<patient id>:<XDS uniqueId>" for imported documents
    legacy_sha1: NotRequired[str]  # the XDS hash it was imported with (a re-import compares)
    timeliness: NotRequired[TimelinessDoc | None]


class DocumentRepository(Repository[DocumentDoc]):
    name = "documents"
    indexes = (
        IndexModel(
            [
                ("patient_id", ASCENDING),
                ("status", ASCENDING),
                ("created_at", DESCENDING),
                ("_id", DESCENDING),
            ],
            name="patient_newest_first",
        ),
        IndexModel([("object_key", ASCENDING)], name="object_key_unique", unique=True),
        IndexModel([("set_id", ASCENDING), ("version", ASCENDING)], name="versions"),
        IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)], name="pending_due"),
        IndexModel([("status", ASCENDING), ("purge_after", ASCENDING)], name="purge_due"),
        IndexModel(
            [("hidden_from_patient", ASCENDING), ("status", ASCENDING), ("release_at", ASCENDING)],
            name="release_due",
        ),
        IndexModel([("legacy_key", ASCENDING)], name="legacy_key_unique", unique=True, sparse=True),
        # the deposit figures (resolvers.documents.timeliness): by author, establishment, nation
        IndexModel(
            [("author.id", ASCENDING), ("deposited_at", ASCENDING)], name="deposits_by_author"
        ),
        IndexModel(
            [("author.finess", ASCENDING), ("deposited_at", ASCENDING)], name="deposits_by_finess"
        ),
        IndexModel([("deposited_at", ASCENDING)], name="deposits_by_date"),
    )

    async def insert_new(self, doc: DocumentDoc) -> bool:
        """``False`` when a record with the same legacy key (or id) exists already."""
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def change(
        self, query: Mapping[str, Any], changes: Mapping[str, Any], now: datetime
    ) -> DocumentDoc | None:
        """Change one record if it still matches ``query``; the record after, or ``None``."""
        return await self.collection.find_one_and_update(
            query, {"$set": {**changes, "updated_at": now}}, return_document=ReturnDocument.AFTER
        )

    async def versions(self, set_id: str, visible: Mapping[str, Any]) -> list[DocumentDoc]:
        query = {"$and": [{"set_id": set_id}, dict(visible)]}
        return await self.collection.find(query).sort("version", DESCENDING).to_list()

    async def open_upload(self, document_id: str) -> DocumentDoc | None:
        """A pending record waiting for its presigned upload (expired or not)."""
        return await self.collection.find_one(
            {"_id": document_id, "status": "pending", "expected": {"$ne": None}}
        )

    async def current_of(self, document_id: str, patient_id: str) -> DocumentDoc | None:
        """The patient's document ``document_id`` if it is the current (available) version."""
        return await self.collection.find_one(
            {"_id": document_id, "patient_id": patient_id, "status": "available"}
        )

    async def set_on_versions(
        self,
        set_id: str,
        statuses: Sequence[str],
        changes: Mapping[str, Any],
        now: datetime,
    ) -> None:
        """Set ``changes`` on every version of a document that is in one of ``statuses``."""
        await self.collection.update_many(
            {"set_id": set_id, "status": {"$in": list(statuses)}},
            {"$set": {**changes, "updated_at": now}},
        )

    async def delete_if(self, document_id: str, status: DocumentStatus) -> None:
        """Remove the record if it is still in ``status`` (``pending`` discarded, ``purging``)."""
        await self.collection.delete_one({"_id": document_id, "status": status})

    def abandoned_uploads(self, now: datetime) -> AsyncIterator[DocumentDoc]:
        """Pending records past their expiry, streamed (``reconcile`` finishes or discards)."""
        return aiter(self.collection.find({"status": "pending", "expires_at": {"$lte": now}}))

    async def legacy_hashes(self, legacy_keys: Sequence[str]) -> dict[str, str | None]:
        """Of these legacy keys, those imported already, with the SHA-1 each was imported with."""
        cursor = self.collection.find(
            {"legacy_key": {"$in": list(legacy_keys)}}, {"legacy_key": 1, "legacy_sha1": 1}
        )
        return {doc["legacy_key"]: doc.get("legacy_sha1") async for doc in cursor}

    async def deposit_figures(self, filter_: Mapping[str, Any]) -> DepositFiguresDoc:
        """Count, late count, and the delay's median and 90th percentile of the matching
        deposits, in one aggregation (``$percentile``, nearest rank: a value of the set)."""
        pipeline: list[dict[str, Any]] = [
            {"$match": dict(filter_)},
            {
                "$group": {
                    "_id": None,
                    "count": {"$sum": 1},
                    "late": {"$sum": {"$cond": ["$timeliness.late", 1, 0]}},
                    "delays": {
                        "$percentile": {
                            "input": "$timeliness.delay_s",
                            "p": [0.5, 0.9],
                            "method": "approximate",
                        }
                    },
                }
            },
        ]
        rows = await (
            await cast("AsyncCollection[dict[str, Any]]", self.collection).aggregate(pipeline)
        ).to_list()
        if not rows:
            return {"count": 0, "late": 0, "median_delay_s": None, "p90_delay_s": None}
        median, p90 = rows[0]["delays"]
        return {
            "count": rows[0]["count"],
            "late": rows[0]["late"],
            "median_delay_s": int(median),
            "p90_delay_s": int(p90),
        }

    async def existing_keys(self, keys: Sequence[str]) -> set[str]:
        cursor = self.collection.find({"object_key": {"$in": list(keys)}}, {"object_key": 1})
        return {doc["object_key"] async for doc in cursor}
