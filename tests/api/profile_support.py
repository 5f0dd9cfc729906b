"""Talking to the medical profile through GraphQL as the demo actors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resolvers.core.actors import ActorKind
from resolvers.core.identity import luhn_check_digit
from resolvers.demo.seed import stable_id
from tests.oauth_support import PATIENT_INS, PROFESSIONAL_RPPS
from tests.support import GraphQLClient, GraphQLResponse
from tests.tokens import TokenFactory

CAMILLE = stable_id("patient:camille")
LEFEVRE = stable_id("professional:lefevre")  # Camille's primary physician in the demo set
MOREAU_RPPS = "1000234567" + str(luhn_check_digit("1000234567"))  # follows nobody

EVERY_SECTION = (
    "profile.history:read profile.treatments:read profile.allergies:read "
    "profile.family-history:read profile.vaccinations:read profile.directives:read "
    "profile.contacts:read profile.care-team:read measurements:read"
)

ADD = """
mutation($patientId: ID!, $entry: ProfileEntryInput!) {
  addProfileEntry(patientId: $patientId, entry: $entry) {
    __typename
    ... on ProfileEntryChange { entry { id author { kind name } } }
    ... on ProfileError { code field message }
  }
}
"""

UPDATE = """
mutation($patientId: ID!, $entryId: ID!, $entry: ProfileEntryInput!) {
  updateProfileEntry(patientId: $patientId, entryId: $entryId, entry: $entry) {
    __typename
    ... on ProfileEntryChange { entry { id updatedBy { kind } } }
    ... on ProfileError { code field }
  }
}
"""

REMOVE = """
mutation($patientId: ID!, $entryId: ID!) {
  removeProfileEntry(patientId: $patientId, entryId: $entryId) {
    __typename
    ... on Removed { id }
    ... on ProfileError { code field }
  }
}
"""


@dataclass
class Caller:
    """One actor's token, and the GraphQL client it sends it with."""

    gql: GraphQLClient
    token: str

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> GraphQLResponse:
        return await self.gql.post(
            query, variables, headers={"authorization": f"Bearer {self.token}"}
        )

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        answer = await self.post(query, variables)
        assert not answer.errors, answer.errors
        return answer.data

    async def profile(self, selection: str, patient_id: str = CAMILLE) -> Any:
        data = await self.data(
            f"query($id: ID!) {{ patient(id: $id) {{ profile {{ {selection} }} }} }}",
            {"id": patient_id},
        )
        return data["patient"]["profile"]

    async def add(self, entry: dict[str, Any], patient_id: str = CAMILLE) -> dict[str, Any]:
        data = await self.data(ADD, {"patientId": patient_id, "entry": entry})
        result: dict[str, Any] = data["addProfileEntry"]
        return result


async def holder(make: TokenFactory, gql: GraphQLClient, scope: str = EVERY_SECTION) -> Caller:
    return Caller(gql, await make(ActorKind.PATIENT, PATIENT_INS, f"{scope} profile:write"))


async def doctor(
    make: TokenFactory,
    gql: GraphQLClient,
    scope: str = EVERY_SECTION,
    rpps: str = PROFESSIONAL_RPPS,
) -> Caller:
    return Caller(gql, await make(ActorKind.PROFESSIONAL, rpps, f"{scope} profile:write"))
