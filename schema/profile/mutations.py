"""Changing the medical profile: entries (one input type a section, one of them at a time) and
measurements."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, TypeAlias, TypeVar

import strawberry

from resolvers.profile import measurements
from resolvers.profile import sections as profile
from schema.core.context import Info
from schema.core.permissions import scoped
from schema.core.refusals import Refusal, refusing
from schema.profile.entries import (
    AllergySeverity,
    CareTeamRole,
    HistoryKind,
    Measurement,
    OrganDonationChoice,
    ProfileEntry,
    entry_node,
)
from storage.profile import Section

T = TypeVar("T")


@strawberry.input
class HistoryInput:
    kind: HistoryKind
    label: str
    since: date | None = None
    notes: str | None = None


@strawberry.input
class TreatmentInput:
    name: str
    dosage: str | None = None
    started_on: date | None = None
    ended_on: date | None = None
    notes: str | None = None


@strawberry.input
class AllergyInput:
    substance: str
    reaction: str | None = None
    severity: AllergySeverity | None = None
    notes: str | None = None


@strawberry.input
class FamilyHistoryInput:
    relation: str
    condition: str
    notes: str | None = None


@strawberry.input
class VaccinationInput:
    vaccine: str
    date: date
    dose: str | None = None
    lot: str | None = None
    notes: str | None = None


@strawberry.input
class DirectivesInput:
    organ_donation: OrganDonationChoice
    text: str | None = None


@strawberry.input
class ContactInput:
    name: str
    relation: str | None = None
    phone: str | None = None
    email: str | None = None
    trusted_person: bool = False


@strawberry.input
class CareTeamInput:
    professional_id: strawberry.ID
    role: CareTeamRole


@strawberry.input(one_of=True, description="One section's entry: set exactly one field.")
class ProfileEntryInput:
    history: HistoryInput | None = strawberry.UNSET
    treatment: TreatmentInput | None = strawberry.UNSET
    allergy: AllergyInput | None = strawberry.UNSET
    family_history: FamilyHistoryInput | None = strawberry.UNSET
    vaccination: VaccinationInput | None = strawberry.UNSET
    directives: DirectivesInput | None = strawberry.UNSET
    contact: ContactInput | None = strawberry.UNSET
    care_team: CareTeamInput | None = strawberry.UNSET


SECTIONS: dict[str, Section] = {
    "history": "history",
    "treatment": "treatments",
    "allergy": "allergies",
    "family_history": "family-history",
    "vaccination": "vaccinations",
    "directives": "directives",
    "contact": "contacts",
    "care_team": "care-team",
}


def section_and_data(entry: ProfileEntryInput) -> tuple[Section, dict[str, Any]]:
    for name, section in SECTIONS.items():
        value = getattr(entry, name)
        if value is not None and value is not strawberry.UNSET:
            data = {
                key: item.value if hasattr(item, "value") else item
                for key, item in asdict(value).items()
            }
            return section, data
    raise ValueError("oneOf input with no field")  # GraphQL validation prevents it


@strawberry.type(description="The entry after the change.")
class ProfileEntryChange:
    entry: ProfileEntry


@strawberry.type(description="The measurement recorded.")
class MeasurementRecorded:
    measurement: Measurement


@strawberry.type(description="Done.")
class Removed:
    id: strawberry.ID


@strawberry.type(description="A refused change of the profile, with a code to act on.")
class ProfileError(Refusal):
    pass


ProfileEntryResult: TypeAlias = Annotated[
    ProfileEntryChange | ProfileError, strawberry.union("ProfileEntryResult")
]
MeasurementResult: TypeAlias = Annotated[
    MeasurementRecorded | ProfileError, strawberry.union("MeasurementResult")
]
RemovalResult: TypeAlias = Annotated[Removed | ProfileError, strawberry.union("RemovalResult")]


@strawberry.input
class MeasurementInput:
    code: str = strawberry.field(description="LOINC code (see measurementTypes).")
    unit: str = strawberry.field(description="UCUM unit, one the type accepts.")
    measured_at: datetime
    value: float | None = None
    systolic: float | None = strawberry.field(default=None, description="Blood pressure only.")
    diastolic: float | None = strawberry.field(default=None, description="Blood pressure only.")


@strawberry.type
class ProfileMutations:
    @strawberry.mutation(
        extensions=[scoped("profile:write")],
        description="Add an entry to a section (advance directives: set them).",
    )
    @refusing(ProfileError)
    async def add_profile_entry(
        self, info: Info, patient_id: strawberry.ID, entry: ProfileEntryInput
    ) -> ProfileEntryResult | None:
        ctx, section_data = info.context, section_and_data(entry)
        doc = await ctx.cases.run(
            profile.add_entry,
            patient_id,
            section=section_data[0],
            data=section_data[1],
        )
        return ProfileEntryChange(entry=entry_node(doc))

    @strawberry.mutation(
        extensions=[scoped("profile:write")],
        description="Replace an entry's fields (same section).",
    )
    @refusing(ProfileError)
    async def update_profile_entry(
        self,
        info: Info,
        patient_id: strawberry.ID,
        entry_id: strawberry.ID,
        entry: ProfileEntryInput,
    ) -> ProfileEntryResult | None:
        ctx, (_, data) = info.context, section_and_data(entry)
        doc = await ctx.cases.run(profile.update_entry, patient_id, entry_id=entry_id, data=data)
        return ProfileEntryChange(entry=entry_node(doc))

    @strawberry.mutation(extensions=[scoped("profile:write")], description="Remove an entry.")
    @refusing(ProfileError)
    async def remove_profile_entry(
        self, info: Info, patient_id: strawberry.ID, entry_id: strawberry.ID
    ) -> RemovalResult | None:
        await info.context.cases.run(profile.remove_entry, patient_id, entry_id)
        return Removed(id=entry_id)

    @strawberry.mutation(
        extensions=[scoped("measurements:write")],
        description="Record a measurement (units and ranges are checked).",
    )
    @refusing(ProfileError)
    async def record_measurement(
        self,
        info: Info,
        patient_id: strawberry.ID,
        input: MeasurementInput,
    ) -> MeasurementResult | None:
        components = {
            code: value
            for code, value in (("8480-6", input.systolic), ("8462-4", input.diastolic))
            if value is not None
        } or None
        doc = await info.context.cases.run(
            measurements.record,
            patient_id,
            code=input.code,
            unit=input.unit,
            value=input.value,
            components=components,
            measured_at=input.measured_at,
        )
        return MeasurementRecorded(measurement=Measurement.from_doc(doc))

    @strawberry.mutation(
        extensions=[scoped("measurements:write")],
        description="Remove a measurement (its holder, or whoever recorded it).",
    )
    @refusing(ProfileError)
    async def remove_measurement(
        self, info: Info, patient_id: strawberry.ID, measurement_id: strawberry.ID
    ) -> RemovalResult | None:
        await info.context.cases.run(measurements.remove, patient_id, measurement_id)
        return Removed(id=measurement_id)
