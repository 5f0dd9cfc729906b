"""The access history: one append-only event for each read or write of a patient's data, as the
law asks (L1111-15: date, time, actor, and the digital service it came through).

Append-only by construction: the repository offers ``append`` and reads, nothing that updates
or deletes, and MongoDB's validator refuses an event missing a field or with a wrong type.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, TypedDict

from pymongo import ASCENDING, DESCENDING, IndexModel

from storage.repository import Keyset, Page, Repository

Outcome = Literal["allowed", "denied"]
ACTOR_KINDS = ["patient", "professional", "app", "operator", "feed"]  # feed: an iCalendar feed URL


class AuditActorDoc(TypedDict):
    kind: str
    id: str
    client_id: str | None  # the digital service (OAuth client) the request came through
    name: str


class AccessEventDoc(TypedDict):
    _id: str
    patient_id: str
    actor: AuditActorDoc
    action: str  # patient.read, documents.listed, document.downloaded, profile.changed…
    target_type: str  # patient, document, profile, authorisations, history…
    target_id: str
    at: datetime
    outcome: Outcome
    emergency: bool


def _string(min_length: int = 1) -> dict[str, Any]:
    return {"bsonType": "string", "minLength": min_length}


VALIDATOR: dict[str, Any] = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": [
            "_id",
            "patient_id",
            "actor",
            "action",
            "target_type",
            "target_id",
            "at",
            "outcome",
            "emergency",
        ],
        "additionalProperties": False,
        "properties": {
            "_id": _string(),
            "patient_id": _string(),
            "actor": {
                "bsonType": "object",
                "required": ["kind", "id", "client_id", "name"],
                "additionalProperties": False,
                "properties": {
                    "kind": {"enum": ACTOR_KINDS},
                    "id": _string(),
                    "client_id": {"bsonType": ["string", "null"]},
                    "name": _string(0),
                },
            },
            "action": _string(),
            "target_type": _string(),
            "target_id": _string(),
            "at": {"bsonType": "date"},
            "outcome": {"enum": ["allowed", "denied"]},
            "emergency": {"bsonType": "bool"},
        },
    }
}


class AccessEventRepository(Repository[AccessEventDoc]):
    name = "access_events"
    validator = VALIDATOR
    indexes = (
        IndexModel(
            [("patient_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)], name="patient"
        ),
        IndexModel(
            [("actor.id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)], name="actor"
        ),
        IndexModel([("target_id", ASCENDING), ("at", DESCENDING)], name="target"),
    )

    async def append(self, event: AccessEventDoc) -> None:
        await self.collection.insert_one(event)

    async def page(
        self, query: Mapping[str, Any], first: int, after: Keyset | None
    ) -> Page[AccessEventDoc]:
        """Newest first."""
        return await self.find_page(query, sort_key="at", first=first, after=after)
