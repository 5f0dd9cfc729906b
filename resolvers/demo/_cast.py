"""The demo cast: fictional patients and professionals, and the documents between them.

Their INS matricules and RPPS numbers are well-formed (valid keys) but belong to nobody; every
record's id derives from a stable name (:func:`stable_id`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from resolvers.core.identity import luhn_check_digit, nir_key
from storage.patients import Sex


def stable_id(name: str) -> str:
    """A 24-hex id derived from a demo record's name (same shape as generated ids)."""
    return hashlib.sha256(f"espace-sante-demo:{name}".encode()).hexdigest()[:24]


def matricule_of(first13: str) -> str:
    return f"{first13}{nir_key(first13):02d}"


def rpps_of(first10: str) -> str:
    return f"{first10}{luhn_check_digit(first10)}"


@dataclass(frozen=True)
class DemoPatient:
    name: str
    first13: str
    birth_names: str
    first_names: tuple[str, ...]
    sex: Sex
    birth_date: str
    birth_place_code: str
    email: str | None


@dataclass(frozen=True)
class DemoProfessional:
    name: str
    rpps10: str
    first_name: str
    last_name: str
    profession_code: str
    specialty_code: str | None
    practice: tuple[str, str, str]  # name, city, FINESS without its key (fictitious)


@dataclass(frozen=True)
class DemoDocument:
    name: str
    patient: str
    author: str
    type_code: str
    class_code: str
    title: str
    written: datetime
    kind: str  # pdf, cda or text
    lines: tuple[str, ...]


PATIENTS = (
    DemoPatient(
        "camille",
        "2850344109123",
        "MARTIN",
        ("Camille", "Anne"),
        "F",
        "1985-03-14",
        "44109",
        "camille.martin@example.org",
    ),
    DemoPatient("lucas", "1190731555045", "BERNARD", ("Lucas",), "M", "2019-07-02", "31555", None),
    DemoPatient(
        "marie-josee", "248112A004012", "ROSSI", ("Marie-Josée",), "F", "1948-11-23", "2A004", None
    ),
    DemoPatient(
        "jean",
        "1620580021088",
        "DUPONT",
        ("Jean", "Pierre"),
        "M",
        "1962-05-30",
        "80021",
        "jean.dupont@example.org",
    ),
)

PROFESSIONALS = (
    DemoProfessional(
        "lefevre",
        "1000123456",
        "Sophie",
        "Lefèvre",
        "10",
        "SM54",
        ("Cabinet médical de l'Erdre", "Nantes", "44000001"),
    ),
    DemoProfessional(
        "moreau",
        "1000234567",
        "Thomas",
        "Moreau",
        "21",
        None,
        ("Pharmacie du Capitole", "Toulouse", "31000002"),
    ),
    DemoProfessional(
        "petit",
        "1000345678",
        "Claire",
        "Petit",
        "60",
        None,
        ("Cabinet infirmier Saint-Leu", "Amiens", "80000003"),
    ),
    DemoProfessional(
        "benali",
        "1000456789",
        "Ahmed",
        "Benali",
        "10",
        "SM44",
        ("Centre d'imagerie Atlantique", "Nantes", "44000004"),
    ),
)

DOCUMENTS = (
    DemoDocument(
        "camille-consultation",
        "camille",
        "lefevre",
        "11488-4",
        "10",
        "Consultation de suivi",
        datetime(2026, 9, 8, 9, 30, tzinfo=UTC),
        "pdf",
        (
            "Motif : suivi annuel.",
            "Tension 12/8, examen clinique normal.",
            "Conduite à tenir : bilan biologique, revoir dans un an.",
        ),
    ),
    DemoDocument(
        "camille-biologie",
        "camille",
        "lefevre",
        "11502-2",
        "10",
        "Bilan biologique",
        datetime(2026, 9, 15, 11, 0, tzinfo=UTC),
        "cda",
        ("Glycémie à jeun : 0,92 g/L.", "Cholestérol LDL : 1,10 g/L."),
    ),
    DemoDocument(
        "camille-vaccinations",
        "camille",
        "petit",
        "11369-6",
        "52",  # the class ANS gives this type (ASS_X04): the DMP import refuses another
        "Historique des vaccinations",
        datetime(2026, 10, 2, 14, 0, tzinfo=UTC),
        "text",
        (
            "2026-10-02 Grippe saisonnière (lot VX2611)",
            "2024-11-12 Covid-19 (rappel)",
            "2015-05-20 dTcaP (rappel de l'adulte)",
        ),
    ),
    DemoDocument(
        "jean-imagerie",
        "jean",
        "benali",
        "18748-4",
        "31",
        "Radiographie du thorax",
        datetime(2026, 10, 20, 16, 45, tzinfo=UTC),
        "pdf",
        ("Indication : toux persistante.", "Pas d'anomalie pleuro-parenchymateuse."),
    ),
    DemoDocument(
        "jean-ordonnance",
        "jean",
        "lefevre",
        "57833-6",
        "42",
        "Ordonnance",
        datetime(2026, 10, 21, 10, 15, tzinfo=UTC),
        "pdf",
        ("Amoxicilline 1 g : 1 comprimé matin et soir pendant 6 jours.",),
    ),
)


# Development credentials of the demo people (never load the demo set in production).
DEMO_PATIENT_PASSWORD = "demo-patient-2026"  # noqa: S105
DEMO_PROFESSIONAL_PASSWORD = "demo-professionnel-2026"  # noqa: S105
