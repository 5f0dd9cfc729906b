"""The medical profile: one field per section, each behind its own read scope."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar, get_args

import strawberry
from strawberry.dataloader import DataLoader

from resolvers.profile import measurements
from resolvers.profile import sections as profile
from resolvers.profile.measurements import measurement_types
from schema.core.context import Info
from schema.core.pagination import Connection, connection
from schema.core.permissions import authenticated, scoped
from schema.profile.entries import (
    AdvanceDirectives,
    Allergy,
    CareTeamMember,
    Contact,
    FamilyHistoryEntry,
    HistoryEntry,
    Measurement,
    MeasurementType,
    ProfileChange,
    ProfileEntry,
    Treatment,
    Vaccination,
    entry_node,
)
from storage.patients import PatientDoc
from storage.profile import EntryDoc, Section


def readable_sections(scopes: frozenset[str]) -> list[str]:
    """The sections (and measurements) whose read scope the token carries."""
    sections = [name for name in get_args(Section) if f"profile.{name}:read" in scopes]
    return sections + (["measurements"] if "measurements:read" in scopes else [])


E = TypeVar("E", bound=ProfileEntry)
SectionKey = tuple[str, Section]


def _sections(info: Info) -> DataLoader[SectionKey, list[EntryDoc]]:
    """The sections a response asks for, read in one query per patient."""
    loaders = info.context.loaders
    if "profile_sections" not in loaders:
        cases = info.context.cases

        async def load(keys: list[SectionKey]) -> list[list[EntryDoc]]:
            found: dict[SectionKey, list[EntryDoc]] = {}
            for patient_id in dict.fromkeys(patient for patient, _ in keys):
                sections = [section for patient, section in keys if patient == patient_id]
                by_section = await cases.read(profile.entries_of, patient_id, sections)
                found.update({(patient_id, name): docs for name, docs in by_section.items()})
            return [found[key] for key in keys]

        loaders["profile_sections"] = DataLoader(load_fn=load)
    loader: DataLoader[SectionKey, list[EntryDoc]] = loaders["profile_sections"]
    return loader


@strawberry.type(description="The medical profile; each section needs its own scope.")
class MedicalProfile:
    patient_id: strawberry.Private[str]

    async def _entries(self, info: Info, section: Section, kind: type[E]) -> list[E]:
        docs = await _sections(info).load((self.patient_id, section))
        return [node for node in map(entry_node, docs) if isinstance(node, kind)]

    @strawberry.field(
        extensions=[scoped("profile.history:read")], description="Medical and surgical history."
    )
    async def history(self, info: Info) -> list[HistoryEntry] | None:
        return await self._entries(info, "history", HistoryEntry)

    @strawberry.field(extensions=[scoped("profile.treatments:read")], description="Treatments.")
    async def treatments(self, info: Info) -> list[Treatment] | None:
        return await self._entries(info, "treatments", Treatment)

    @strawberry.field(extensions=[scoped("profile.allergies:read")], description="Allergies.")
    async def allergies(self, info: Info) -> list[Allergy] | None:
        return await self._entries(info, "allergies", Allergy)

    @strawberry.field(
        extensions=[scoped("profile.family-history:read")], description="Family history."
    )
    async def family_history(self, info: Info) -> list[FamilyHistoryEntry] | None:
        return await self._entries(info, "family-history", FamilyHistoryEntry)

    @strawberry.field(extensions=[scoped("profile.vaccinations:read")], description="Vaccinations.")
    async def vaccinations(self, info: Info) -> list[Vaccination] | None:
        return await self._entries(info, "vaccinations", Vaccination)

    @strawberry.field(
        extensions=[scoped("profile.contacts:read")],
        description="People to contact, the trusted person among them.",
    )
    async def contacts(self, info: Info) -> list[Contact] | None:
        return await self._entries(info, "contacts", Contact)

    @strawberry.field(
        extensions=[scoped("profile.care-team:read")],
        description="Professionals who follow the patient.",
    )
    async def care_team(self, info: Info) -> list[CareTeamMember] | None:
        return await self._entries(info, "care-team", CareTeamMember)

    @strawberry.field(
        extensions=[scoped("profile.directives:read")],
        description="Advance directives and the organ-donation choice.",
    )
    async def directives(self, info: Info) -> AdvanceDirectives | None:
        docs = await _sections(info).load((self.patient_id, "directives"))
        node = entry_node(docs[0]) if docs else None
        return node if isinstance(node, AdvanceDirectives) else None

    @strawberry.field(
        extensions=[scoped("measurements:read")],
        description="Measurements, newest first; by type (LOINC) and period.",
    )
    async def measurements(
        self,
        info: Info,
        *,
        code: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Measurement] | None:
        page, count = await info.context.cases.read(
            measurements.history, self.patient_id, code, since, until, first, after
        )
        return connection(
            [Measurement.from_doc(doc) for doc in page.items],
            page.items,
            sort_key="measured_at",
            has_next=page.has_next,
            after=after,
            count=count,
        )

    @strawberry.field(
        extensions=[authenticated()],
        description="The history of changes, newest first, limited to the sections the "
        "token's scopes open.",
    )
    async def changes(
        self, info: Info, *, first: int | None = None, after: str | None = None
    ) -> Connection[ProfileChange] | None:
        actor = info.context.actor
        sections = readable_sections(actor.scopes if actor else frozenset())
        page, count = await info.context.cases.read(
            profile.changes, self.patient_id, sections, first, after
        )
        return connection(
            [ProfileChange.from_doc(doc) for doc in page.items],
            page.items,
            sort_key="at",
            has_next=page.has_next,
            after=after,
            count=count,
        )

    @classmethod
    def of(cls, patient: PatientDoc) -> MedicalProfile:
        return cls(patient_id=patient["_id"])


SECTION_TYPES = [
    HistoryEntry,
    Treatment,
    Allergy,
    FamilyHistoryEntry,
    Vaccination,
    AdvanceDirectives,
    Contact,
    CareTeamMember,
]


@strawberry.type
class MeasurementTypesQuery:
    @strawberry.field(description="The measurements the profile accepts (public reference).")
    def measurement_types(self) -> list[MeasurementType]:
        return [
            MeasurementType(
                code=t.code,
                label=t.label,
                canonical_unit=t.canonical_unit,
                units=list(t.units),
                components=list(t.components),
            )
            for t in measurement_types().values()
        ]
