"""Who may read a patient's record, as GraphQL: the access history, the patient's authorisations
(care team, consents, blocks, objections, emergency accesses), and the mutations that change
them or declare an emergency access."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, TypeAlias

import strawberry

from resolvers.access import authorisations
from resolvers.access import history as access_history
from resolvers.access.history import HistoryFilter
from schema.core.context import Info
from schema.core.pagination import Connection, connection
from schema.core.permissions import scoped
from schema.core.refusals import Refusal, refusing
from storage.access import AuthorisationDoc, EmergencyAccessDoc
from storage.audit import AccessEventDoc


@strawberry.enum(description="Whether the access was allowed.")
class AccessOutcome(Enum):
    ALLOWED = "allowed"
    DENIED = "denied"


@strawberry.type(description="Who acted: the person, and the app (OAuth client) they used.")
class AccessActor:
    kind: str = strawberry.field(description="patient, professional, app or operator.")
    id: strawberry.ID
    name: str
    client_id: str | None = strawberry.field(description="The digital service used.")


@strawberry.type(description="One trace of the access history (append-only).")
class AccessEvent:
    id: strawberry.ID
    at: datetime
    actor: AccessActor
    action: str = strawberry.field(description="e.g. patient.read, document.downloaded.")
    target_type: str
    target_id: strawberry.ID
    patient_id: strawberry.ID
    outcome: AccessOutcome
    emergency: bool = strawberry.field(description="Under an emergency (break-glass) access.")

    @classmethod
    def from_doc(cls, doc: AccessEventDoc) -> AccessEvent:
        who = doc["actor"]
        return cls(
            id=strawberry.ID(doc["_id"]),
            at=doc["at"],
            actor=AccessActor(
                kind=who["kind"],
                id=strawberry.ID(who["id"]),
                name=who["name"],
                client_id=who["client_id"],
            ),
            action=doc["action"],
            target_type=doc["target_type"],
            target_id=strawberry.ID(doc["target_id"]),
            patient_id=strawberry.ID(doc["patient_id"]),
            outcome=AccessOutcome(doc["outcome"]),
            emergency=doc["emergency"],
        )


@strawberry.input(description="Which traces: every condition set must hold.")
class AccessHistoryFilter:
    actor_id: strawberry.ID | None = None
    patient_id: strawberry.ID | None = strawberry.field(
        default=None, description="For `myAccessHistory` only."
    )
    since: datetime | None = None
    until: datetime | None = None

    def checked(self) -> HistoryFilter:
        return HistoryFilter(self.actor_id, self.patient_id, self.since, self.until)


def events(counted: access_history.Counted, after: str | None) -> Connection[AccessEvent]:
    page, count = counted
    return connection(
        [AccessEvent.from_doc(doc) for doc in page.items],
        page.items,
        sort_key=access_history.SORT_KEY,
        has_next=page.has_next,
        after=after,
        count=count,
    )


async def history_of(
    info: Info, patient_id: str, filter_: AccessHistoryFilter | None, first: int | None,
    after: str | None,
) -> Connection[AccessEvent]:  # fmt: skip
    given = (filter_ or AccessHistoryFilter()).checked()
    cases = info.context.cases
    return events(
        await cases.run(
            access_history.of_patient,
            patient_id,
            given,
            first,
            after,
            matrix=cases.config.matrix,
        ),
        after,
    )


@strawberry.type(description="What the patient decided about one professional.")
class ProfessionalAccess:
    professional_id: strawberry.ID
    consent: bool = strawberry.field(description="Authorised outside the care team.")
    blocked: bool = strawberry.field(description="No access at all, care team or not.")
    sees_hidden_documents: bool
    updated_at: datetime

    @classmethod
    def from_doc(cls, doc: AuthorisationDoc) -> ProfessionalAccess:
        return cls(
            professional_id=strawberry.ID(doc["professional_id"]),
            consent=doc["consent"],
            blocked=doc["blocked"],
            sees_hidden_documents=doc["sees_hidden"],
            updated_at=doc["updated_at"],
        )


@strawberry.type(description="A declared emergency (break-glass) access.")
class EmergencyAccess:
    id: strawberry.ID
    professional_id: strawberry.ID
    reason: str
    started_at: datetime
    expires_at: datetime

    @classmethod
    def from_doc(cls, doc: EmergencyAccessDoc) -> EmergencyAccess:
        return cls(
            id=strawberry.ID(doc["_id"]),
            professional_id=strawberry.ID(doc["professional_id"]),
            reason=doc["reason"],
            started_at=doc["started_at"],
            expires_at=doc["expires_at"],
        )


@strawberry.type(description="A member of the care team, deemed authorised unless objected.")
class AuthorisedCareTeamMember:
    professional_id: strawberry.ID
    role: str


@strawberry.type(description="Who may read the record, and on which ground, in one place.")
class AccessAuthorisations:
    care_team_objected: bool = strawberry.field(
        description="The patient objected to the care team's deemed authorisation."
    )
    emergency_objected: bool = strawberry.field(
        description="The patient objected to emergency access."
    )
    care_team: list[AuthorisedCareTeamMember]
    professionals: list[ProfessionalAccess] = strawberry.field(
        description="Consents, blocks and rights to hidden documents, latest change first."
    )
    emergency_accesses: list[EmergencyAccess]

    @classmethod
    def of(cls, found: authorisations.Authorisations) -> AccessAuthorisations:
        space = found.patient["space"]
        return cls(
            care_team_objected=space.get("care_team_objected_at") is not None,
            emergency_objected=space.get("emergency_objected_at") is not None,
            care_team=[
                AuthorisedCareTeamMember(
                    professional_id=strawberry.ID(entry["data"]["professional_id"]),
                    role=str(entry["data"]["role"]),
                )
                for entry in found.care_team
            ],
            professionals=[ProfessionalAccess.from_doc(doc) for doc in found.choices],
            emergency_accesses=[EmergencyAccess.from_doc(doc) for doc in found.emergencies],
        )


async def authorisations_of(info: Info, patient_id: str) -> AccessAuthorisations:
    cases = info.context.cases
    return AccessAuthorisations.of(await cases.run(authorisations.authorisations, patient_id))


@strawberry.type(description="A refused access operation, with a code to act on.")
class AccessError(Refusal):
    pass


ProfessionalAccessResult: TypeAlias = Annotated[
    ProfessionalAccess | AccessError, strawberry.union("ProfessionalAccessResult")
]
AccessAuthorisationsResult: TypeAlias = Annotated[
    AccessAuthorisations | AccessError, strawberry.union("AccessAuthorisationsResult")
]
EmergencyAccessResult: TypeAlias = Annotated[
    EmergencyAccess | AccessError, strawberry.union("EmergencyAccessResult")
]


@strawberry.type
class AccessQuery:
    @strawberry.field(
        extensions=[scoped("audit:read")],
        description="The traces of what you did, newest first (whatever the filter says, never "
        "anyone else's).",
    )
    async def my_access_history(
        self,
        info: Info,
        filter: AccessHistoryFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AccessEvent] | None:
        given = (filter or AccessHistoryFilter()).checked()
        cases = info.context.cases
        return events(await cases.untimed(access_history.of_actor, given, first, after), after)


@strawberry.type
class AccessMutations:
    @strawberry.mutation(
        extensions=[scoped("space:manage")],
        description="The patient gives or withdraws consent, blocks or unblocks a professional, "
        "or lets them see hidden documents; what is not given keeps its value. Takes effect on "
        "the professional's next request.",
    )
    @refusing(AccessError)
    async def set_professional_access(  # noqa: PLR0917 - the choices, each optional
        self,
        info: Info,
        patient_id: strawberry.ID,
        professional_id: strawberry.ID,
        consent: bool | None = None,
        blocked: bool | None = None,
        sees_hidden_documents: bool | None = None,
    ) -> ProfessionalAccessResult | None:
        doc = await info.context.cases.run(
            authorisations.set_professional_access,
            patient_id,
            professional_id,
            consent=consent,
            blocked=blocked,
            sees_hidden=sees_hidden_documents,
        )
        return ProfessionalAccess.from_doc(doc)

    @strawberry.mutation(
        extensions=[scoped("space:manage")],
        description="The patient objects (or stops objecting) to the care team's deemed "
        "authorisation and to emergency access.",
    )
    @refusing(AccessError)
    async def set_access_objections(
        self,
        info: Info,
        patient_id: strawberry.ID,
        care_team: bool | None = None,
        emergency: bool | None = None,
    ) -> AccessAuthorisationsResult | None:
        await info.context.cases.run(authorisations.set_objections, patient_id,
            care_team=care_team, emergency=emergency,
        )  # fmt: skip
        return await authorisations_of(info, patient_id)

    @strawberry.mutation(
        extensions=[scoped("emergency")],
        description="A professional declares an emergency access (break-glass), saying why: "
        "time-limited access unless the patient objected beforehand; the patient and the "
        "primary physician are told, and the history flags every access made under it.",
    )
    @refusing(AccessError)
    async def declare_emergency_access(
        self, info: Info, patient_id: strawberry.ID, reason: str
    ) -> EmergencyAccessResult | None:
        cases = info.context.cases
        doc = await cases.configured(authorisations.declare_emergency, patient_id, reason=reason)
        return EmergencyAccess.from_doc(doc)
