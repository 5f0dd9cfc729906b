"""The demo data set: a few patients, professionals and documents with real bytes.

Every record has an id derived from a stable name, and each is written only when missing, so
running the seed twice changes nothing. The people are fictional; their INS matricules and RPPS
numbers are well-formed (valid keys) but belong to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from resolvers.accounts.logins import set_password_hash
from resolvers.accounts.passwords import hash_password
from resolvers.core.actors import ActorKind
from resolvers.core.clock import Clock
from resolvers.core.identity import finess_of, matricule_authority
from resolvers.demo._cast import (
    DEMO_PATIENT_PASSWORD,
    DEMO_PROFESSIONAL_PASSWORD,
    DOCUMENTS,
    PATIENTS,
    PROFESSIONALS,
    DemoPatient,
    matricule_of,
    rpps_of,
    stable_id,
)
from resolvers.demo._documents import seed_documents
from resolvers.demo._profile import seed_profile
from storage.logins import login_id
from storage.patients import PatientDoc, new_space
from storage.professionals import ProfessionalDoc
from storage.stores import Stores

__all__ = [  # what the demo offers: the seed, and the cast's names tests and tools use
    "DEMO_PATIENT_PASSWORD",
    "DEMO_PROFESSIONAL_PASSWORD",
    "DOCUMENTS",
    "PATIENTS",
    "PROFESSIONALS",
    "SeedReport",
    "seed_demo",
    "stable_id",
]


@dataclass(frozen=True)
class SeedReport:
    patients: int
    professionals: int
    documents: int
    logins: int = 0
    profile_items: int = 0
    messages: int = 0


async def seed_demo(stores: Stores, clock: Clock) -> SeedReport:
    """Write whatever of the demo set is missing; returns how many records were created."""
    now = clock.now()
    patients = 0
    for p in PATIENTS:
        patients += await stores.patients.insert_if_missing(_patient(p, now))
    professionals = await _seed_professionals(stores, now)
    documents = await seed_documents(stores)
    logins = await _seed_logins(stores, clock)
    profile_items = await seed_profile(
        stores, clock, stable_id("patient:camille"), stable_id("professional:lefevre")
    )
    return SeedReport(patients, professionals, documents, logins, profile_items)


def _patient(p: DemoPatient, now: datetime) -> PatientDoc:
    matricule = matricule_of(p.first13)
    return {
        "_id": stable_id(f"patient:{p.name}"),
        "ins": {"matricule": matricule, "oid": matricule_authority(matricule)},
        "identity": {
            "birth_names": p.birth_names,
            "first_names": list(p.first_names),
            "sex": p.sex,
            "birth_date": p.birth_date,
            "birth_place_code": p.birth_place_code,
        },
        "email": p.email,
        "address": None
        if p.email
        else {
            "lines": ["12 rue des Lilas"],
            "postcode": p.birth_place_code[:2] + "000",
            "city": "Ajaccio" if p.birth_place_code.startswith("2A") else "Toulouse",
            "country": "FR",
        },
        # every demo space is active, as if opened six weeks after a notice and activated
        "space": new_space("active", opened_at=now, activated_at=now),
        "created_at": now,
        "updated_at": now,
    }


async def _seed_professionals(stores: Stores, now: datetime) -> int:
    created = 0
    for pro in PROFESSIONALS:
        professional: ProfessionalDoc = {
            "_id": stable_id(f"professional:{pro.name}"),
            "rpps": rpps_of(pro.rpps10),
            "first_name": pro.first_name,
            "last_name": pro.last_name,
            "profession_code": pro.profession_code,
            "specialty_code": pro.specialty_code,
            "practice": {
                "name": pro.practice[0],
                "city": pro.practice[1],
                "finess": finess_of(pro.practice[2]),
            },
            "email": f"{pro.name}@mssante.example",  # demo secure-messaging address
            "created_at": now,
            "updated_at": now,
        }
        created += await stores.professionals.insert_if_missing(professional)
    return created


async def _seed_logins(stores: Stores, clock: Clock) -> int:
    """A password login for each demo person (development credentials)."""
    created = 0
    people = [
        (ActorKind.PATIENT, matricule_of(p.first13), f"patient:{p.name}", DEMO_PATIENT_PASSWORD)
        for p in PATIENTS
    ]
    people += [
        (
            ActorKind.PROFESSIONAL,
            rpps_of(p.rpps10),
            f"professional:{p.name}",
            DEMO_PROFESSIONAL_PASSWORD,
        )
        for p in PROFESSIONALS
    ]
    hashes: dict[str, str] = {}  # the demo people share two passwords: hash each once
    for kind, login, name, password in people:
        if await stores.logins.get(login_id(kind, login)) is None:
            if password not in hashes:
                hashes[password] = await hash_password(password)
            await set_password_hash(
                stores,
                clock,
                kind,
                login=login,
                user_id=stable_id(name),
                password_hash=hashes[password],
            )
            created += 1
    return created
