"""Finding a patient by INS and a professional's list of patients, as GraphQL
(docs/practice-software.md walks through them)."""

from __future__ import annotations

from datetime import date

import strawberry

from resolvers.access import lookup, my_patients
from resolvers.access.lookup import CareStanding, NextAction, SpaceState, Traits
from resolvers.access.my_patients import ListedBecause
from schema.core.context import Info
from schema.core.pagination import Connection, connection
from schema.core.permissions import scoped
from schema.spaces.types import sources_of

strawberry.enum(
    SpaceState,
    name="PatientSpaceState",
    description="Where a space is: OPEN (open or activated), NOT_YET_OPEN (announced, opening "
    "unless the person objects), CLOSED, SUSPENDED.",
)
strawberry.enum(
    CareStanding,
    name="CareStanding",
    description="Where the caller stands towards the patient; NO_ACCESS for anyone else (a "
    "block is never told apart).",
)
strawberry.enum(NextAction, name="NextAction", description="What the caller may do next.")
strawberry.enum(ListedBecause, name="ListedBecause", description="Why a patient is listed.")


@strawberry.input(description="An exact INS: the matricule and the OID of its authority.")
class InsInput:
    matricule: str = strawberry.field(description="NIR or NIA: 13 characters and the 2-digit key.")
    oid: str = strawberry.field(
        description="1.2.250.1.213.1.4.8 (NIR), .4.9 (NIA), .4.10 and .4.11 (test)."
    )


@strawberry.input(description="The INS traits the software read, compared with the record's.")
class IdentityTraitsInput:
    birth_names: str
    first_names: list[str] = strawberry.field(description="The birth first names, in order.")
    birth_date: date
    sex: str = strawberry.field(description="M, F or U.")
    birth_place_code: str | None = strawberry.field(
        default=None, description="INSEE code of the birth place; compared when given."
    )

    def checked(self) -> Traits:
        return Traits(
            birth_names=self.birth_names,
            first_names=list(self.first_names),
            birth_date=self.birth_date.isoformat(),
            sex=self.sex,
            birth_place_code=self.birth_place_code,
        )


@strawberry.type(
    description="What an INS designates: nothing (found false, every other field null) or a "
    "space. `standing` and `nextActions` are for professionals only (null for the insurer's "
    "partners, who never stand towards a record)."
)
class PatientLookup:
    found: bool
    patient_id: strawberry.ID | None = strawberry.field(
        description="The patient's id for the rest of the API."
    )
    space_state: SpaceState | None
    standing: CareStanding | None
    next_actions: list[NextAction] | None

    @classmethod
    def of(cls, answer: lookup.Lookup) -> PatientLookup:
        actions = answer.next_actions
        return cls(
            found=answer.patient_id is not None,
            patient_id=None if answer.patient_id is None else strawberry.ID(answer.patient_id),
            space_state=answer.state,
            standing=answer.standing,
            next_actions=None if actions is None else list(actions),
        )


@strawberry.type(description="One of the professional's patients, and why they are listed.")
class MyPatient:
    patient_id: strawberry.ID
    space_state: SpaceState
    listed_because: list[ListedBecause]


@strawberry.type
class LookupQuery:
    @strawberry.field(
        extensions=[scoped("patients:find")],
        description="Find a patient by exact INS and identity traits (the DMP's TD0.2): an INS "
        "unknown, objected, deleted, or whose traits do not match answers `found: false`. "
        "Traced in the patient's access history.",
    )
    async def find_patient(
        self, info: Info, ins: InsInput, traits: IdentityTraitsInput
    ) -> PatientLookup | None:
        answer = await info.context.cases.run(
            lookup.find_patient, ins.matricule, ins.oid, traits.checked(), sources_of(info)
        )
        return PatientLookup.of(answer)

    @strawberry.field(
        extensions=[scoped("patients:find")],
        description="Your patients: their care team holds you, or you reached them in the last "
        "90 days (consent, emergency); never one who blocked you or objected to the care team.",
    )
    async def my_patients(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MyPatient] | None:
        found = await info.context.cases.run(my_patients.my_patients, first, after)
        nodes = [
            MyPatient(
                patient_id=strawberry.ID(item.doc["_id"]),
                space_state=item.state,
                listed_because=list(item.because),
            )
            for item in found.items
        ]
        return connection(
            nodes, found.docs, sort_key="_id", has_next=found.has_next, after=after,
            count=found.count,
        )  # fmt: skip
