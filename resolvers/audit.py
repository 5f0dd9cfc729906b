"""Tracing accesses to a patient's data (L1111-19: date, time, actor, digital service)."""

from __future__ import annotations

from resolvers.clock import Clock
from storage.audit import AccessEventDoc
from storage.documents import AuthorDoc, DocumentDoc
from storage.ids import new_id
from storage.stores import Stores


async def record_access(
    stores: Stores,
    clock: Clock,
    document: DocumentDoc,
    action: str,
    who: AuthorDoc,
    *,
    emergency: bool = False,
) -> None:
    """Append one event for ``who`` doing ``action`` on ``document``."""
    event: AccessEventDoc = {
        "_id": new_id(),
        "patient_id": document["patient_id"],
        "actor": {
            "kind": who["kind"],
            "id": who["id"],
            "client_id": who["client_id"],
            "name": who["name"],
        },
        "action": action,
        "target_type": "document",
        "target_id": document["_id"],
        "at": clock.now(),
        "emergency": emergency,
    }
    await stores.access_events.insert(event)
