"""The medical profile's GraphQL types: the entries of each section, measurements, changes."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry

from resolvers.profile.measurements import kind_of
from schema.core.enums import ActorKind
from storage.profile import AuthorDoc, ChangeDoc, EntryDoc, MeasurementDoc


@strawberry.type(description="Who wrote or changed something.")
class Author:
    kind: ActorKind
    id: strawberry.ID
    name: str

    @classmethod
    def from_doc(cls, doc: AuthorDoc) -> Author:
        return cls(kind=ActorKind(doc["kind"]), id=strawberry.ID(doc["id"]), name=doc["name"])


@strawberry.interface(
    description="An entry of a profile section: who added it, when, and the last change."
)
class ProfileEntry:
    id: strawberry.ID
    author: Author
    created_at: datetime
    updated_by: Author
    updated_at: datetime


def _common(doc: EntryDoc) -> dict[str, Any]:
    return {
        "id": strawberry.ID(doc["_id"]),
        "author": Author.from_doc(doc["created_by"]),
        "created_at": doc["created_at"],
        "updated_by": Author.from_doc(doc["updated_by"]),
        "updated_at": doc["updated_at"],
    }


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@strawberry.enum
class HistoryKind(Enum):
    MEDICAL = "medical"
    SURGICAL = "surgical"


@strawberry.enum
class AllergySeverity(Enum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


@strawberry.enum
class OrganDonationChoice(Enum):
    CONSENTS = "consents"
    REFUSES = "refuses"
    UNDECIDED = "undecided"


@strawberry.enum
class CareTeamRole(Enum):
    PRIMARY_PHYSICIAN = "primary_physician"
    FOLLOWS = "follows"


@strawberry.type(description="A medical or surgical history item.")
class HistoryEntry(ProfileEntry):
    kind: HistoryKind
    label: str
    since: date | None
    notes: str | None


@strawberry.type
class Treatment(ProfileEntry):
    name: str
    dosage: str | None
    started_on: date | None
    ended_on: date | None
    notes: str | None


@strawberry.type
class Allergy(ProfileEntry):
    substance: str
    reaction: str | None
    severity: AllergySeverity | None
    notes: str | None


@strawberry.type(description="A condition in the family (antécédent familial).")
class FamilyHistoryEntry(ProfileEntry):
    relation: str
    condition: str
    notes: str | None


@strawberry.type
class Vaccination(ProfileEntry):
    vaccine: str
    date: date
    dose: str | None
    lot: str | None
    notes: str | None


@strawberry.type(description="Advance directives and the organ-donation choice.")
class AdvanceDirectives(ProfileEntry):
    text: str | None
    organ_donation: OrganDonationChoice


@strawberry.type(description="Someone to contact; at most one is the trusted person.")
class Contact(ProfileEntry):
    name: str
    relation: str | None
    phone: str | None
    email: str | None
    trusted_person: bool


@strawberry.type(
    description="A professional who follows the patient; at most one is the "
    "primary physician (médecin traitant)."
)
class CareTeamMember(ProfileEntry):
    professional_id: strawberry.ID
    role: CareTeamRole


def entry_node(doc: EntryDoc) -> ProfileEntry:
    """The GraphQL type of an entry, by its section."""
    d, common = doc["data"], _common(doc)
    builders: dict[str, Any] = {
        "history": lambda: HistoryEntry(
            **common,
            kind=HistoryKind(d["kind"]),
            label=d["label"],
            since=_day(d["since"]),
            notes=d["notes"],
        ),
        "treatments": lambda: Treatment(
            **common,
            name=d["name"],
            dosage=d["dosage"],
            started_on=_day(d["started_on"]),
            ended_on=_day(d["ended_on"]),
            notes=d["notes"],
        ),
        "allergies": lambda: Allergy(
            **common,
            substance=d["substance"],
            reaction=d["reaction"],
            severity=AllergySeverity(d["severity"]) if d["severity"] else None,
            notes=d["notes"],
        ),
        "family-history": lambda: FamilyHistoryEntry(
            **common, relation=d["relation"], condition=d["condition"], notes=d["notes"]
        ),
        "vaccinations": lambda: Vaccination(
            **common,
            vaccine=d["vaccine"],
            date=date.fromisoformat(d["date"]),
            dose=d["dose"],
            lot=d["lot"],
            notes=d["notes"],
        ),
        "directives": lambda: AdvanceDirectives(
            **common, text=d["text"], organ_donation=OrganDonationChoice(d["organ_donation"])
        ),
        "contacts": lambda: Contact(
            **common,
            name=d["name"],
            relation=d["relation"],
            phone=d["phone"],
            email=d["email"],
            trusted_person=bool(d["trusted_person"]),
        ),
        "care-team": lambda: CareTeamMember(
            **common,
            professional_id=strawberry.ID(d["professional_id"]),
            role=CareTeamRole(d["role"]),
        ),
    }
    node: ProfileEntry = builders[doc["section"]]()
    return node


@strawberry.type(description="A component of a panel (systolic and diastolic pressures).")
class MeasurementComponent:
    code: str
    label: str
    value: float


@strawberry.type(description="A measurement (LOINC code, UCUM unit), as recorded.")
class Measurement:
    id: strawberry.ID
    code: str
    label: str
    value: float | None
    unit: str
    canonical_value: float | None = strawberry.field(
        description="The value in the type's canonical unit (kg, cm, mg/dL, Cel…)."
    )
    canonical_unit: str
    components: list[MeasurementComponent]
    measured_at: datetime
    author: Author
    created_at: datetime

    @classmethod
    def from_doc(cls, doc: MeasurementDoc) -> Measurement:
        kind = kind_of(doc["code"])
        return cls(
            id=strawberry.ID(doc["_id"]),
            code=doc["code"],
            label=kind.label,
            value=doc["value"],
            unit=doc["unit"],
            canonical_value=doc["canonical_value"],
            canonical_unit=kind.canonical_unit,
            components=[
                MeasurementComponent(
                    code=c["code"], label=kind.components[c["code"]], value=c["value"]
                )
                for c in doc["components"]
            ],
            measured_at=doc["measured_at"],
            author=Author.from_doc(doc["created_by"]),
            created_at=doc["created_at"],
        )


@strawberry.type(description="A kind of measurement the profile accepts.")
class MeasurementType:
    code: str
    label: str
    canonical_unit: str
    units: list[str]
    components: list[str]


@strawberry.enum
class ChangeAction(Enum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"


@strawberry.type(description="One line of the profile's history: who changed what, and when.")
class ProfileChange:
    id: strawberry.ID
    section: str = strawberry.field(description="The section, or `measurements`.")
    target_id: strawberry.ID = strawberry.field(description="The entry or measurement changed.")
    action: ChangeAction
    by: Author
    at: datetime

    @classmethod
    def from_doc(cls, doc: ChangeDoc) -> ProfileChange:
        return cls(
            id=strawberry.ID(doc["_id"]),
            section=doc["section"],
            target_id=strawberry.ID(doc["target_id"]),
            action=ChangeAction(doc["action"]),
            by=Author.from_doc(doc["by"]),
            at=doc["at"],
        )
