"""Deleting a person's data when their space is deleted (archive over, or at their request).

What remains is a tombstone: the id, the INS matricule (so that a beneficiary file read again
creates nothing) and the dates. Every step is idempotent: an interrupted purge is run again.
Domains that keep a patient's data add a step to ``PURGE_STEPS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from resolvers.core.clock import Clock
from storage.stores import Stores

PurgeStep = Callable[[Stores, str], Awaitable[None]]


async def _credentials(stores: Stores, patient_id: str) -> None:
    await stores.logins.delete_where({"user_id": patient_id})


async def _representations(stores: Stores, patient_id: str) -> None:
    await stores.representations.delete_where({"represented_id": patient_id})


async def _notifications(stores: Stores, patient_id: str) -> None:
    await stores.outbox.delete_where({"patient_id": patient_id, "status": "pending"})
    # her news and her choices go with her space (the ids and kinds say what she received)
    await stores.news_events.delete_where({"patient_id": patient_id})
    await stores.news_preferences.delete_where({"_id": patient_id})


async def _documents(stores: Stores, patient_id: str) -> None:
    async for doc in stores.documents.stream_where({"patient_id": patient_id}, ["object_key"]):
        await stores.objects.delete(doc["object_key"])
        await stores.documents.delete(doc["_id"])


async def _authorisations(stores: Stores, patient_id: str) -> None:
    # the access history stays: it is append-only, and the law asks to keep the traces
    for repository in (stores.authorisations, stores.emergency_accesses):
        await repository.delete_where({"patient_id": patient_id})


async def _profile(stores: Stores, patient_id: str) -> None:
    for repository in (stores.profile_entries, stores.measurements, stores.profile_changes):
        await repository.delete_where({"patient_id": patient_id})


async def _messages(stores: Stores, patient_id: str) -> None:
    # a professional's copy of what they sent lives in their practice software, not here
    for repository in (stores.receipts, stores.messages, stores.conversations):
        await repository.delete_where({"patient_id": patient_id})


async def _agenda(stores: Stores, patient_id: str) -> None:
    await stores.agenda_events.delete_where({"patient_id": patient_id})
    await stores.agenda_feeds.delete_where({"patient_id": patient_id})
    await stores.agenda_preferences.delete_where({"_id": patient_id})


PURGE_STEPS: list[PurgeStep] = [
    _credentials,
    _representations,
    _notifications,
    _documents,
    _authorisations,
    _profile,
    _messages,
    _agenda,
]


async def purge_patient(stores: Stores, clock: Clock, patient_id: str) -> None:
    for step in PURGE_STEPS:
        await step(stores, patient_id)
    # identity last: its emptiness marks the purge as complete
    await stores.patients.transition(
        {"_id": patient_id},
        {
            "identity.birth_names": "",
            "identity.first_names": [],
            "identity.birth_place_code": "",
            "identity.birth_date": "",
            "identity.sex": "U",
            "email": None,
            "address": None,
            "space.objection_code_hash": None,
            "space.activation_code_hash": None,
            "space.notices": [],
        },
        clock.now(),
    )
