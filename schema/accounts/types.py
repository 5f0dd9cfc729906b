"""Patients, professionals, and the actor asking (``me``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from resolvers.accounts import people
from resolvers.agenda.rules import DEFAULT_ZONE
from resolvers.core.errors import Unauthenticated
from resolvers.core.terminology import CodeList, terminology
from schema.access.types import (
    AccessAuthorisations,
    AccessEvent,
    AccessHistoryFilter,
    authorisations_of,
    history_of,
)
from schema.agenda.types import (
    AgendaEventKind,
    AgendaFeedStatus,
    AgendaOccurrence,
    AgendaPreferences,
    ForecastEntry,
    PreventionCategory,
    PreventionMessage,
    Since,
    SinceDay,
    agenda_of,
    feed_status_of,
    forecast_of,
    preferences_of,
    prevention_of,
)
from schema.core.context import Info
from schema.core.enums import ActorKind
from schema.core.pagination import Connection
from schema.core.permissions import authenticated, scoped
from schema.documents.types import Document, DocumentFilterInput, documents_of
from schema.profile.types import MedicalProfile
from schema.service.terminology import Concept
from schema.spaces.types import Space
from storage.patients import PatientDoc
from storage.professionals import ProfessionalDoc


@strawberry.type(description="Identifiant national de santé: the matricule and its authority.")
class Ins:
    matricule: str = strawberry.field(description="NIR or NIA: 13 characters and a 2-digit key.")
    oid: str = strawberry.field(description="OID of the authority that assigned it.")


@strawberry.type(description="The five INS identity traits.")
class Identity:
    ins: Ins
    birth_names: str
    first_names: list[str]
    sex: str = strawberry.field(description="M, F or U (unknown).")
    birth_date: date
    birth_place_code: str = strawberry.field(description="INSEE code of the birth place.")


@strawberry.type(description="The holder of a space.")
class Patient:
    id: strawberry.ID
    doc: strawberry.Private[PatientDoc]

    @strawberry.field(
        extensions=[scoped("profile.identity:read")], description="Identity (INS and traits)."
    )
    def identity(self) -> Identity | None:
        identity = self.doc["identity"]
        return Identity(
            ins=Ins(matricule=self.doc["ins"]["matricule"], oid=self.doc["ins"]["oid"]),
            birth_names=identity["birth_names"],
            first_names=identity["first_names"],
            sex=identity["sex"],
            birth_date=date.fromisoformat(identity["birth_date"]),
            birth_place_code=identity["birth_place_code"],
        )

    @strawberry.field(description="The medical profile; each section needs its own scope.")
    def profile(self) -> MedicalProfile:
        return MedicalProfile.of(self.doc)

    @strawberry.field(
        extensions=[scoped("documents:read")],
        description="Current documents you may see, newest first (by the act's date).",
    )
    async def documents(
        self,
        info: Info,
        filter: DocumentFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Document] | None:
        return await documents_of(info, self.doc["_id"], filter, first, after)

    @strawberry.field(
        extensions=[scoped("audit:read")],
        description="Every trace of this record, newest first: for the patient (or their legal "
        "representative) and the primary physician.",
    )
    async def access_history(
        self,
        info: Info,
        filter: AccessHistoryFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AccessEvent] | None:
        return await history_of(info, self.doc["_id"], filter, first, after)

    @strawberry.field(
        extensions=[scoped("space:manage")],
        description="Who may read this record and on which ground (the patient's side only).",
    )
    async def access_authorisations(self, info: Info) -> AccessAuthorisations | None:
        return await authorisations_of(info, self.doc["_id"])

    @strawberry.field(
        extensions=[scoped("agenda:read")],
        description="Occurrences of the agenda's events that overlap [from, to) (at most 366 "
        "days), by start: recurring events expanded in their own time zone; times in UTC and "
        "in `timeZone`.",
    )
    async def agenda(  # noqa: PLR0917 - a connection's arguments
        self,
        info: Info,
        since: Since,
        to: datetime,
        kinds: list[AgendaEventKind] | None = None,
        time_zone: str = DEFAULT_ZONE,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AgendaOccurrence] | None:
        return await agenda_of(info, self.doc["_id"], since, to, kinds, time_zone, first, after)

    @strawberry.field(
        extensions=[scoped("agenda:read")],
        description="The forecast calendar from the birth date: vaccinations, the mandatory "
        "examinations of the child, dental check-ups due in [from, to) (default: from a year "
        "ago to two years on), each proposed, accepted or dismissed.",
    )
    async def forecast(
        self, info: Info, since: SinceDay = None, to: date | None = None
    ) -> list[ForecastEntry] | None:
        return await forecast_of(info, self.doc["_id"], since, to)

    @strawberry.field(
        extensions=[scoped("agenda:read")],
        description="Prevention messages due today, each saying why; switched-off categories, "
        "dismissed and accepted entries give none (the patient's side only).",
    )
    async def prevention_messages(
        self, info: Info, categories: list[PreventionCategory] | None = None
    ) -> list[PreventionMessage] | None:
        return await prevention_of(info, self.doc["_id"], categories)

    @strawberry.field(
        extensions=[scoped("agenda:read")],
        description="Prevention categories switched off, forecast entries dismissed.",
    )
    async def agenda_preferences(self, info: Info) -> AgendaPreferences | None:
        return await preferences_of(info, self.doc["_id"])

    @strawberry.field(
        extensions=[scoped("agenda:read")],
        description="Whether the agenda's iCalendar feed is on (the holder's side only).",
    )
    async def agenda_feed(self, info: Info) -> AgendaFeedStatus | None:
        return await feed_status_of(info, self.doc["_id"])

    @strawberry.field(
        extensions=[scoped("space:manage")], description="The space's state and dates."
    )
    def space(self) -> Space | None:
        return Space.from_doc(self.doc["space"])

    @classmethod
    def from_doc(cls, doc: PatientDoc) -> Patient:
        return cls(id=strawberry.ID(doc["_id"]), doc=doc)


async def visible_patient(info: Info, patient_id: str) -> Patient:
    actor = info.context.actor
    if actor is None:
        raise Unauthenticated("This field needs an access token.")
    return Patient.from_doc(
        await info.context.cases.timed(people.visible_patient, actor, patient_id)
    )


@strawberry.type(description="Where a professional practises.")
class Practice:
    name: str
    city: str


@strawberry.type(description="A health professional of the directory.")
class Professional:
    id: strawberry.ID
    rpps: str
    first_name: str
    last_name: str
    profession: Concept | None = strawberry.field(description="TRE_G15 profession.")
    specialty: Concept | None = strawberry.field(description="TRE_R38 ordinal specialty.")
    practice: Practice | None

    @classmethod
    def from_doc(cls, doc: ProfessionalDoc) -> Professional:
        profession = terminology(CodeList.PROFESSIONS).get(doc["profession_code"])
        specialty = (
            terminology(CodeList.SPECIALTIES).get(doc["specialty_code"])
            if doc["specialty_code"]
            else None
        )
        practice = doc["practice"]
        return cls(
            id=strawberry.ID(doc["_id"]),
            rpps=doc["rpps"],
            first_name=doc["first_name"],
            last_name=doc["last_name"],
            profession=Concept.from_record(profession) if profession else None,
            specialty=Concept.from_record(specialty) if specialty else None,
            practice=Practice(name=practice["name"], city=practice["city"]) if practice else None,
        )


@strawberry.type(description="The actor the access token stands for.")
class Viewer:
    kind: ActorKind
    id: strawberry.ID = strawberry.field(
        description="The patient's or professional's id; for an app, the patient it acts for; "
        "for an operator, its client id."
    )
    client_id: str
    scopes: list[str]

    @strawberry.field(description="The patient, for a patient or an app acting for one.")
    async def patient(self, info: Info) -> Patient | None:
        if self.kind not in (ActorKind.PATIENT, ActorKind.APP):
            return None
        return await visible_patient(info, self.id)

    @strawberry.field(
        description="The people this patient is a legal representative of "
        "(children under 18, protected adults)."
    )
    async def represented(self, info: Info) -> list[Patient]:
        actor = info.context.actor
        if actor is None or self.kind is not ActorKind.PATIENT:
            return []
        return [
            Patient.from_doc(doc)
            for doc in await info.context.cases.timed(people.represented_by, actor)
        ]

    @strawberry.field(description="The professional, when a professional signed in.")
    async def professional(self, info: Info) -> Professional | None:
        if self.kind is not ActorKind.PROFESSIONAL:
            return None
        return Professional.from_doc(await info.context.cases.read(people.professional, self.id))


@strawberry.type
class PeopleQuery:
    @strawberry.field(extensions=[authenticated()], description="Who the access token is for.")
    def me(self, info: Info) -> Viewer | None:
        actor = info.context.actor
        if actor is None:  # guarded above; kept for the type checker
            raise Unauthenticated("This field needs an access token.")
        return Viewer(
            kind=actor.kind,
            id=strawberry.ID(actor.id),
            client_id=actor.client_id,
            scopes=sorted(actor.scopes),
        )

    @strawberry.field(
        extensions=[authenticated()], description="A patient, if you may see them (else NOT_FOUND)."
    )
    async def patient(self, info: Info, id: strawberry.ID) -> Patient | None:
        return await visible_patient(info, id)

    @strawberry.field(extensions=[authenticated()], description="A professional of the directory.")
    async def professional(self, info: Info, id: strawberry.ID) -> Professional | None:
        return Professional.from_doc(await info.context.cases.read(people.professional, id))
