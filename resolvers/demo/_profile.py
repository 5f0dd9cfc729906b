"""A filled medical profile for the demo patient Camille MARTIN, followed by Dr Lefèvre."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock
from resolvers.profile import measurements
from resolvers.profile import sections as profile
from storage.profile import Section
from storage.stores import Stores

HOLDER_ENTRIES: list[tuple[Section, dict[str, Any]]] = [
    ("care-team", {"professional_id": "", "role": "primary_physician"}),  # Dr Lefèvre
    (
        "contacts",
        {
            "name": "Paul MARTIN",
            "relation": "conjoint",
            "phone": "+33 6 12 34 56 78",
            "trusted_person": True,
        },
    ),
    (
        "directives",
        {
            "organ_donation": "consents",
            "text": "En cas de coma prolongé, je ne souhaite pas d'acharnement.",
        },
    ),
    ("family-history", {"relation": "mère", "condition": "Diabète de type 2"}),
]
PROFESSIONAL_ENTRIES: list[tuple[Section, dict[str, Any]]] = [
    ("history", {"kind": "surgical", "label": "Appendicectomie", "since": "2001-05-12"}),
    ("history", {"kind": "medical", "label": "Asthme", "since": "1995-01-01"}),
    (
        "treatments",
        {"name": "Salbutamol 100 µg", "dosage": "2 bouffées si besoin", "started_on": "2015-03-01"},
    ),
    ("allergies", {"substance": "Pénicilline", "reaction": "urticaire", "severity": "moderate"}),
    ("vaccinations", {"vaccine": "Grippe saisonnière", "date": "2026-10-02", "lot": "VX2611"}),
]


async def seed_profile(stores: Stores, clock: Clock, patient_id: str, professional_id: str) -> int:
    """Entries and measurements for one patient, once; returns how many were written."""
    if await stores.profile_entries.exists({"patient_id": patient_id}):
        return 0
    holder = Actor(ActorKind.PATIENT, patient_id, "demo", frozenset())
    doctor = Actor(ActorKind.PROFESSIONAL, professional_id, "demo", frozenset())
    written = 0
    for section, data in HOLDER_ENTRIES:
        extra = {"professional_id": professional_id} if section == "care-team" else {}
        entry = {**data, **extra}
        await profile.add_entry(stores, clock, holder, patient_id, section=section, data=entry)
        written += 1
    for section, data in PROFESSIONAL_ENTRIES:
        await profile.add_entry(stores, clock, doctor, patient_id, section=section, data=data)
        written += 1
    start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    for week in range(10):
        at = start + timedelta(weeks=week)
        await measurements.record(
            stores,
            clock,
            holder,
            patient_id,
            code="29463-7",
            unit="kg",
            value=round(64.0 - week * 0.2, 1),
            components=None,
            measured_at=at,
        )
        await measurements.record(
            stores,
            clock,
            holder,
            patient_id,
            code="85354-9",
            unit="mm[Hg]",
            value=None,
            components={"8480-6": 121.0 + week % 3, "8462-4": 79.0},
            measured_at=at + timedelta(minutes=5),
        )
        written += 2
    return written
