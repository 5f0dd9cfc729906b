"""Requested exports of a space (an IHE XDM archive of the documents), valid for a short while.

A request records who asked, for which patient, and until when its link works; the link's
secret is never stored, only its SHA-256. The archive itself is built when it is downloaded.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from pymongo import ASCENDING, IndexModel

from storage.repository import Repository

KEPT_SECONDS = 24 * 3600


class ExportActorDoc(TypedDict):
    kind: str
    id: str
    client_id: str


class ExportDoc(TypedDict):
    _id: str
    patient_id: str
    actor: ExportActorDoc  # the one actor the link downloads for
    key_hash: str  # SHA-256 (hex) of the secret in the presigned link
    created_at: datetime
    expires_at: datetime


class ExportRepository(Repository[ExportDoc]):
    name = "space_exports"
    indexes = (
        # MongoDB removes a request a day after its link expired; until then a late attempt
        # with the link is still traced against its patient (after, it is a bare 404)
        IndexModel([("expires_at", ASCENDING)], name="expiry", expireAfterSeconds=KEPT_SECONDS),
    )
