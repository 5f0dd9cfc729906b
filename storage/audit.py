"""The access history: one append-only event for each access to a patient's data that the law
asks to trace (date, time, actor, and the digital service it came through)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from pymongo import ASCENDING, DESCENDING, IndexModel

from storage.repository import Repository


class AuditActorDoc(TypedDict):
    kind: str
    id: str
    client_id: str | None  # the digital service (OAuth client) the request came through
    name: str


class AccessEventDoc(TypedDict):
    _id: str
    patient_id: str
    actor: AuditActorDoc
    action: str  # document.deposited, document.url_issued, document.downloaded…
    target_type: str
    target_id: str
    at: datetime
    emergency: bool


class AccessEventRepository(Repository[AccessEventDoc]):
    name = "access_events"
    indexes = (
        IndexModel(
            [("patient_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)], name="patient"
        ),
        IndexModel([("target_id", ASCENDING), ("at", DESCENDING)], name="target"),
    )
