"""What protects a document, who set it, and how it carries over to a new version.

A protection is the document's, not one version's: a new version deposited with ``replaces``
keeps every protection of the version it replaces (hidden from professionals, from the patient
until release, from legal representatives — with who set each — and the stricter
confidentiality level), whatever the new deposit's metadata says; the depositor may add
protections, never drop one. It is applied when the replacement takes effect (``finish``, or
``reconcile`` finishing it), so a protection set while the new version was on its way is kept.
"""

from __future__ import annotations

from typing import Any, Literal

from resolvers.core.actors import Actor
from resolvers.core.audit import author_of
from storage.documents import DocumentDoc
from storage.profile import AuthorDoc
from storage.stores import Stores

Flag = Literal["hidden_from_professionals", "hidden_from_representatives"]
FLAGS: tuple[Flag, ...] = ("hidden_from_professionals", "hidden_from_representatives")
LEVELS = ("N", "R", "V")  # HL7 confidentiality, from the least to the most restricted
LIFT_REFUSED = "Only whoever set this protection, or the patient, lifts it."


async def setter(stores: Stores, actor: Actor) -> AuthorDoc:
    """Who sets a protection, as the record keeps them (an app: its OAuth client)."""
    return await author_of(stores, actor)


def stricter(one: str, other: str) -> str:
    return max(one, other, key=lambda level: LEVELS.index(level) if level in LEVELS else 0)


def inherited(predecessor: DocumentDoc, record: DocumentDoc) -> dict[str, Any]:
    """The changes that give ``record`` (a new version) every protection of ``predecessor``."""
    changes: dict[str, Any] = {}
    for flag in FLAGS:
        if predecessor[flag] and not record[flag]:
            changes[flag] = True
            changes[f"{flag}_by"] = predecessor.get(f"{flag}_by")
    if predecessor["hidden_from_patient"] and not record["hidden_from_patient"]:
        # held back until the predecessor's date: a new version does not restart the month
        changes["hidden_from_patient"] = True
        changes["release_at"] = predecessor["release_at"]
        changes["patient_told_at"] = predecessor["patient_told_at"]
    level = stricter(predecessor["confidentiality"], record["confidentiality"])
    if level != record["confidentiality"]:
        changes["confidentiality"] = level
    return changes
