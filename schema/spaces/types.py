"""A patient's space: its state, the holder's and operators' changes, and the public mutations
(objection, activation) that work with a code instead of a token."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, TypeAlias

import strawberry

from resolvers.core import guessing
from resolvers.core.actors import Actor
from resolvers.core.errors import DomainError, Unauthenticated
from resolvers.spaces import lifecycle as spaces
from resolvers.spaces import operators
from schema.core.context import Info
from schema.core.permissions import scoped
from schema.core.refusals import refusing
from storage.patients import SpaceDoc


@strawberry.enum(description="Where a space is in its life (see docs/spaces.md).")
class SpaceStatus(Enum):
    PROVISIONED = "provisioned"
    OBJECTED = "objected"
    OPEN = "open"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"
    DELETED = "deleted"


@strawberry.enum(description="Why a change to a space was refused.")
class SpaceErrorCode(Enum):
    INVALID_CODE = "INVALID_CODE"
    CODE_EXPIRED = "CODE_EXPIRED"
    CODES_LOCKED = "CODES_LOCKED"
    NOT_ALLOWED_NOW = "NOT_ALLOWED_NOW"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"


@strawberry.type(description="The state of a space and its dates.")
class Space:
    status: SpaceStatus
    opening_date: date | None = strawberry.field(
        description="When a provisioned space opens, unless its holder objects before."
    )
    opened_at: datetime | None
    activated_at: datetime | None
    suspension_deadline: datetime | None = strawberry.field(
        description="A suspended space closes then, unless its holder contests."
    )
    closed_at: datetime | None
    archive_until: datetime | None = strawberry.field(
        description="A closed space can be reopened until then; it is deleted after."
    )
    deletion_due_at: datetime | None = strawberry.field(
        description="When a requested deletion happens (reopening cancels it)."
    )

    @classmethod
    def from_doc(cls, doc: SpaceDoc) -> Space:
        return cls(
            status=SpaceStatus(doc["status"]),
            opening_date=date.fromisoformat(doc["opening_date"]) if doc["opening_date"] else None,
            opened_at=doc["opened_at"],
            activated_at=doc["activated_at"],
            suspension_deadline=doc["suspension_deadline"],
            closed_at=doc["closed_at"],
            archive_until=doc["archive_until"],
            deletion_due_at=doc["deletion_due_at"],
        )


@strawberry.type(description="The space after the change.")
class SpaceChange:
    patient_id: strawberry.ID
    status: SpaceStatus


@strawberry.type(description="A refused change, with a code to act on.")
class SpaceError:
    """Not a ``Refusal``: its code is a GraphQL enum (the one domain whose SDL has one)."""

    code: SpaceErrorCode
    message: str
    field: str | None

    @classmethod
    def refused(cls, error: DomainError) -> SpaceError:
        """The refusal as a typed error; a code outside the enum stays a GraphQL error."""
        try:
            code = SpaceErrorCode(error.code)
        except ValueError:
            raise error from None
        return cls(code=code, message=error.message, field=error.field)


SpaceResult: TypeAlias = Annotated[SpaceChange | SpaceError, strawberry.union("SpaceResult")]


@strawberry.type(
    description="Always the same answer: it never says whether the person has a space."
)
class ActivationCodeRequested:
    message: str


@strawberry.input
class ObjectionInput:
    ins: str = strawberry.field(description="The INS matricule (social security number).")
    objection_code: str = strawberry.field(description="The code printed in the notice.")


@strawberry.input
class ActivationInput:
    ins: str
    activation_code: str
    password: str = strawberry.field(description="At least 12 characters.")


@strawberry.input
class ActivationCodeRequestInput:
    ins: str
    birth_date: date


async def outcome(change: Awaitable[spaces.Outcome]) -> SpaceChange:
    done = await change
    return SpaceChange(patient_id=strawberry.ID(done.patient_id), status=SpaceStatus(done.status))


def sources_of(info: Info) -> guessing.Sources:
    """Where a guess comes from: the address, and the OAuth client when a token says which (an
    unauthenticated claim of a client would let anyone spend that client's budget)."""
    client = info.context.request.client
    actor = info.context.actor
    return guessing.Sources(
        client.host if client else "unknown", actor.client_id if actor is not None else None
    )


def actor(info: Info) -> Actor:
    if info.context.actor is None:
        raise Unauthenticated("This field needs an access token.")
    return info.context.actor


@strawberry.type
class SpaceMutations:
    @strawberry.mutation(
        description="Object to the space with the code from the notice: before "
        "its opening no space is opened, after it the space is closed. No token."
    )
    @refusing(SpaceError)
    async def object_to_space(self, info: Info, input: ObjectionInput) -> SpaceResult:
        cases = info.context.cases
        return await outcome(
            cases.timed(spaces.object_to_space, input.ins, input.objection_code, sources_of(info))
        )

    @strawberry.mutation(
        description="Activate an open space with its activation code and choose "
        "a password. No token."
    )
    @refusing(SpaceError)
    async def activate_space(self, info: Info, input: ActivationInput) -> SpaceResult:
        return await outcome(
            info.context.cases.timed(
                spaces.activate_space,
                input.ins,
                input.activation_code,
                input.password,
                sources_of(info),
            )
        )

    @strawberry.mutation(
        description="Send a new activation code to the contact on file, if the "
        "details match an open space. No token."
    )
    # No @refusing: its answer is always the same (no error result in the SDL), so a refusal
    # (a malformed INS, too many attempts) stays a GraphQL error, as it always was.
    async def request_activation_code(
        self,
        info: Info,
        input: ActivationCodeRequestInput,
    ) -> ActivationCodeRequested:
        await info.context.cases.timed(spaces.request_activation_code, input.ins, input.birth_date)
        return ActivationCodeRequested(
            message="If these details match an open space, a new activation code is on its way."
        )

    @strawberry.mutation(
        extensions=[scoped("space:manage")],
        description="Close the space: archived ten years, reopenable meanwhile.",
    )
    @refusing(SpaceError)
    async def close_space(self, info: Info, patient_id: strawberry.ID) -> SpaceResult | None:
        return await outcome(info.context.cases.run(spaces.close_space, patient_id))

    @strawberry.mutation(
        extensions=[scoped("space:manage")],
        description="Reopen a space its holder closed, within ten years.",
    )
    @refusing(SpaceError)
    async def reopen_space(self, info: Info, patient_id: strawberry.ID) -> SpaceResult | None:
        return await outcome(info.context.cases.run(spaces.reopen_space, patient_id))

    @strawberry.mutation(
        extensions=[scoped("space:manage")], description="Close the space and delete it in 30 days."
    )
    @refusing(SpaceError)
    async def request_space_deletion(
        self, info: Info, patient_id: strawberry.ID
    ) -> SpaceResult | None:
        return await outcome(info.context.cases.run(spaces.request_deletion, patient_id))

    @strawberry.mutation(
        extensions=[scoped("space:manage")],
        description="Contest a suspension for fraud: the space is restored.",
    )
    @refusing(SpaceError)
    async def contest_suspension(self, info: Info, patient_id: strawberry.ID) -> SpaceResult | None:
        return await outcome(info.context.cases.run(spaces.contest_suspension, patient_id))

    @strawberry.mutation(
        extensions=[scoped("admin")],
        description="Suspend a space for fraud (operators): it closes in six "
        "weeks unless its holder contests.",
    )
    @refusing(SpaceError)
    async def suspend_space(self, info: Info, patient_id: strawberry.ID) -> SpaceResult | None:
        return await outcome(info.context.cases.run(operators.suspend_space, patient_id))

    @strawberry.mutation(
        extensions=[scoped("admin")],
        description="Record a legal representative (operators): a parent of a "
        "minor, or a guardian by court decision.",
    )
    @refusing(SpaceError)
    async def add_representative(
        self, info: Info, patient_id: strawberry.ID, representative_ins: str, relation: str
    ) -> SpaceResult | None:

        return await outcome(
            info.context.cases.run(
                operators.add_representative,
                patient_id,
                representative_ins=representative_ins,
                relation=relation,
            )
        )
