"""The medical profile: entries by section, measurements, and the history of every change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, TypedDict

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from storage.repository import Repository

Section = Literal[
    "history",
    "treatments",
    "allergies",
    "family-history",
    "vaccinations",
    "directives",
    "contacts",
    "care-team",
]


class AuthorDoc(TypedDict):
    kind: str  # patient, professional, app
    id: str
    client_id: str
    name: str


class EntryDoc(TypedDict):
    _id: str
    patient_id: str
    section: Section
    data: dict[str, Any]  # the section's fields
    created_by: AuthorDoc
    created_at: datetime
    updated_by: AuthorDoc
    updated_at: datetime
    deleted_at: datetime | None


class ComponentDoc(TypedDict):
    code: str
    value: float


class MeasurementDoc(TypedDict):
    _id: str
    patient_id: str
    code: str  # LOINC
    value: float | None  # as entered (None for panels)
    unit: str  # UCUM, as entered
    canonical_value: float | None
    components: list[ComponentDoc]
    measured_at: datetime
    created_by: AuthorDoc
    created_at: datetime
    deleted_at: datetime | None


class ChangeDoc(TypedDict):
    """One line of a profile's history: append-only."""

    _id: str
    patient_id: str
    target: str  # "entry" or "measurement"
    target_id: str
    section: str
    action: Literal["added", "changed", "removed"]
    by: AuthorDoc
    at: datetime
    data: dict[str, Any]  # the state after the change (before it, for a removal)


class EntryRepository(Repository[EntryDoc]):
    name = "profile_entries"
    indexes = (
        IndexModel(
            [("patient_id", ASCENDING), ("section", ASCENDING), ("created_at", ASCENDING)],
            name="patient_section",
        ),
        IndexModel(
            [
                ("section", ASCENDING),
                ("data.professional_id", ASCENDING),
                ("patient_id", ASCENDING),
            ],
            name="care_team",
            sparse=True,
        ),
    )

    async def of_sections(
        self, patient_id: str, sections: Sequence[Section]
    ) -> dict[Section, list[EntryDoc]]:
        """Several sections' entries in one query, each oldest first."""
        found: dict[Section, list[EntryDoc]] = {section: [] for section in sections}
        cursor = self.collection.find(
            {"patient_id": patient_id, "section": {"$in": list(sections)}, "deleted_at": None}
        ).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
        async for doc in cursor:
            found[doc["section"]].append(doc)
        return found

    async def of(self, patient_id: str, section: Section) -> list[EntryDoc]:
        return (
            await self.collection.find(
                {"patient_id": patient_id, "section": section, "deleted_at": None}
            )
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
            .to_list()
        )

    async def count_in(self, patient_id: str, section: Section) -> int:
        return await self.count({"patient_id": patient_id, "section": section, "deleted_at": None})

    async def update(
        self, entry_id: str, patient_id: str, changes: dict[str, Any]
    ) -> EntryDoc | None:
        return await self.collection.find_one_and_update(
            {"_id": entry_id, "patient_id": patient_id, "deleted_at": None},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )

    async def is_primary_physician(self, patient_id: str, professional_id: str) -> bool:
        return await self.exists(
            {
                "patient_id": patient_id,
                "section": "care-team",
                "data.professional_id": professional_id,
                "data.role": "primary_physician",
                "deleted_at": None,
            }
        )

    async def care_team(self, patient_id: str) -> list[EntryDoc]:
        """The patient's care team, the primary physician among them."""
        query = {"patient_id": patient_id, "section": "care-team", "deleted_at": None}
        return await self.collection.find(query).to_list(None)

    async def primary_physician_id(self, patient_id: str) -> str | None:
        entry = await self.collection.find_one(
            {
                "patient_id": patient_id,
                "section": "care-team",
                "data.role": "primary_physician",
                "deleted_at": None,
            }
        )
        return None if entry is None else str(entry["data"]["professional_id"])

    async def care_teams_of(self, professional_id: str) -> dict[str, str]:
        """The patients whose care team holds ``professional_id``, with the role (care_team
        index: section, professional, then patient)."""
        cursor = self.collection.find(
            {"section": "care-team", "data.professional_id": professional_id, "deleted_at": None},
            {"patient_id": 1, "data.role": 1},
        )
        found: dict[str, str] = {}
        async for doc in cursor:
            role = str(doc["data"].get("role", "follows"))
            if found.get(doc["patient_id"]) != "primary_physician":
                found[doc["patient_id"]] = role
        return found

    async def in_care_team(self, patient_id: str, professional_id: str) -> bool:
        return await self.exists(
            {
                "patient_id": patient_id,
                "section": "care-team",
                "data.professional_id": professional_id,
                "deleted_at": None,
            }
        )


class MeasurementRepository(Repository[MeasurementDoc]):
    name = "measurements"
    indexes = (
        IndexModel(
            [
                ("patient_id", ASCENDING),
                ("code", ASCENDING),
                ("measured_at", DESCENDING),
                ("_id", DESCENDING),
            ],
            name="series",
        ),
        IndexModel(
            [("patient_id", ASCENDING), ("measured_at", DESCENDING), ("_id", DESCENDING)],
            name="patient_newest",
        ),
    )

    async def remove(
        self, measurement_id: str, patient_id: str, now: datetime
    ) -> MeasurementDoc | None:
        return await self.collection.find_one_and_update(
            {"_id": measurement_id, "patient_id": patient_id, "deleted_at": None},
            {"$set": {"deleted_at": now}},
            return_document=ReturnDocument.BEFORE,
        )


class ChangeRepository(Repository[ChangeDoc]):
    name = "profile_changes"
    indexes = (
        IndexModel(
            [("patient_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)],
            name="patient_newest",
        ),
    )
