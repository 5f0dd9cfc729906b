"""The demo data set: a few patients, professionals and documents with real bytes.

Every record has an id derived from a stable name, and each is written only when missing, so
running the seed twice changes nothing. The people are fictional; their INS matricules and RPPS
numbers are well-formed (valid keys) but belong to nobody.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from resolvers.accounts.logins import set_password_hash
from resolvers.accounts.passwords import hash_password
from resolvers.core.actors import ActorKind
from resolvers.core.clock import Clock
from resolvers.core.identity import luhn_check_digit, matricule_authority, nir_key
from resolvers.core.terminology import CodeList, terminology
from resolvers.demo import _files as demo_files
from resolvers.demo._profile import seed_profile
from storage.documents import DocumentDoc
from storage.logins import login_id
from storage.patients import PatientDoc, Sex, new_space
from storage.professionals import ProfessionalDoc
from storage.stores import Stores


def stable_id(name: str) -> str:
    """A 24-hex id derived from a demo record's name (same shape as generated ids)."""
    return hashlib.sha256(f"espace-sante-demo:{name}".encode()).hexdigest()[:24]


def _matricule(first13: str) -> str:
    return f"{first13}{nir_key(first13):02d}"


def _rpps(first10: str) -> str:
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
    practice: tuple[str, str]


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
        ("Cabinet médical de l'Erdre", "Nantes"),
    ),
    DemoProfessional(
        "moreau",
        "1000234567",
        "Thomas",
        "Moreau",
        "21",
        None,
        ("Pharmacie du Capitole", "Toulouse"),
    ),
    DemoProfessional(
        "petit",
        "1000345678",
        "Claire",
        "Petit",
        "60",
        None,
        ("Cabinet infirmier Saint-Leu", "Amiens"),
    ),
    DemoProfessional(
        "benali",
        "1000456789",
        "Ahmed",
        "Benali",
        "10",
        "SM44",
        ("Centre d'imagerie Atlantique", "Nantes"),
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
    created_patients = 0
    for p in PATIENTS:
        matricule = _matricule(p.first13)
        patient: PatientDoc = {
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
        created_patients += await stores.patients.insert_if_missing(patient)
    created_professionals = 0
    for pro in PROFESSIONALS:
        professional: ProfessionalDoc = {
            "_id": stable_id(f"professional:{pro.name}"),
            "rpps": _rpps(pro.rpps10),
            "first_name": pro.first_name,
            "last_name": pro.last_name,
            "profession_code": pro.profession_code,
            "specialty_code": pro.specialty_code,
            "practice": {"name": pro.practice[0], "city": pro.practice[1]},
            "email": f"{pro.name}@mssante.example",  # demo secure-messaging address
            "created_at": now,
            "updated_at": now,
        }
        created_professionals += await stores.professionals.insert_if_missing(professional)
    created_documents = 0
    for doc in DOCUMENTS:
        if await stores.documents.get(stable_id(f"document:{doc.name}")) is None:
            await _seed_document(stores, doc)
            created_documents += 1
    created_logins = 0
    people = [
        (ActorKind.PATIENT, _matricule(p.first13), f"patient:{p.name}", DEMO_PATIENT_PASSWORD)
        for p in PATIENTS
    ]
    people += [
        (
            ActorKind.PROFESSIONAL,
            _rpps(p.rpps10),
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
            created_logins += 1
    profile_items = await seed_profile(
        stores, clock, stable_id("patient:camille"), stable_id("professional:lefevre")
    )
    return SeedReport(
        created_patients, created_professionals, created_documents, created_logins, profile_items
    )


async def _seed_document(stores: Stores, doc: DemoDocument) -> None:
    patient = next(p for p in PATIENTS if p.name == doc.patient)
    author = next(p for p in PROFESSIONALS if p.name == doc.author)
    doc_type = terminology(CodeList.DOCUMENT_TYPES).by_code[doc.type_code]
    doc_class = terminology(CodeList.DOCUMENT_CLASSES).by_code[doc.class_code]
    author_name = f"{author.first_name} {author.last_name}"
    doc_id = stable_id(f"document:{doc.name}")
    matricule = _matricule(patient.first13)
    if doc.kind == "pdf":
        data, media_type = (
            demo_files.pdf(doc.title, [*doc.lines, f"— {author_name}"]),
            "application/pdf",
        )
    elif doc.kind == "cda":
        data = demo_files.cda(
            document_id=doc_id,
            type_code=doc_type.code,
            type_label=doc_type.label,
            title=doc.title,
            effective=doc.written,
            ins_matricule=matricule,
            ins_oid=matricule_authority(matricule),
            patient_given=patient.first_names[0],
            patient_family=patient.birth_names,
            author_rpps=_rpps(author.rpps10),
            author_name=author_name,
            paragraphs=list(doc.lines),
        )
        media_type = "text/xml"
    else:
        data, media_type = ("\n".join([doc.title, "", *doc.lines]) + "\n").encode(), "text/plain"
    # Bytes first, record second: a record never points at missing bytes, and a retry after a
    # failure in between overwrites the same (deterministic, opaque) key with the same bytes.
    key = f"objects/{hashlib.sha256(f'demo-object:{doc.name}'.encode()).hexdigest()[:32]}"
    stored = await stores.objects.put_bytes(key, data, content_type=media_type)
    record: DocumentDoc = {
        "_id": doc_id,
        "patient_id": stable_id(f"patient:{doc.patient}"),
        "set_id": doc_id,
        "version": 1,
        "replaces": None,
        "replaced_by": None,
        "status": "available",
        "type": {"code": doc_type.code, "label": doc_type.label, "system": doc_type.system},
        "class_code": {
            "code": doc_class.code,
            "label": doc_class.label,
            "system": doc_class.system,
        },
        "title": doc.title,
        "author": {
            "kind": "professional",
            "id": stable_id(f"professional:{author.name}"),
            "client_id": None,
            "rpps": _rpps(author.rpps10),
            "profession_code": author.profession_code,
            "name": author_name,
        },
        "confidentiality": "N",
        "hidden_from_professionals": False,
        "hidden_from_patient": False,
        "hidden_from_representatives": False,
        "release_at": None,
        "patient_told_at": None,
        "created_at": doc.written,
        "service_start": doc.written,
        "service_stop": None,
        "deposited_at": doc.written,
        "format": media_type,
        "size": stored.size,
        "sha256": stored.sha256,
        "object_key": key,
        "expected": None,
        "expires_at": None,
        "archived_at": None,
        "purge_after": None,
        "withdrawn_at": None,
        "withdrawal_reason": None,
        "updated_at": doc.written,
    }
    await stores.documents.insert_if_missing(record)
