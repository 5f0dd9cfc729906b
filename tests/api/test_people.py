"""Reading patients and professionals: the holder and the care team see a patient, nobody else."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from resolvers.demo.seed import stable_id
from tests.oauth_support import PATIENT_INS, PROFESSIONAL_RPPS
from tests.support import GraphQLClient
from tests.tokens import seed, token_factory

PATIENT = stable_id("patient:camille")
OTHER = stable_id("patient:jean")
QUERY = "query($id: ID!) { patient(id: $id) { id identity { birthNames } } }"


@pytest.fixture
async def seeded(app: Starlette) -> Starlette:
    await seed(app)
    return app


async def ask(gql: GraphQLClient, token: str, patient_id: str) -> tuple[object, list[str | None]]:
    answer = await gql.post(QUERY, {"id": patient_id}, headers={"authorization": f"Bearer {token}"})
    return answer.data, answer.codes


async def test_the_holder_reads_their_own_identity(seeded: Starlette, gql: GraphQLClient) -> None:
    token = await token_factory(seeded)(ActorKind.PATIENT, PATIENT_INS, "profile.identity:read")
    data, codes = await ask(gql, token, PATIENT)
    assert data == {"patient": {"id": PATIENT, "identity": {"birthNames": "MARTIN"}}}
    assert codes == []


@pytest.mark.parametrize(
    ("kind", "login", "scope"),
    [
        (ActorKind.PATIENT, PATIENT_INS, "profile.identity:read"),
        (ActorKind.PROFESSIONAL, PROFESSIONAL_RPPS, "profile.identity:read"),
        (ActorKind.OPERATOR, None, "admin"),
    ],
)
async def test_nobody_else_learns_whether_a_patient_exists(
    seeded: Starlette, gql: GraphQLClient, kind: ActorKind, login: str | None, scope: str
) -> None:
    token = await token_factory(seeded)(kind, login, scope)
    target = OTHER if kind is not ActorKind.OPERATOR else PATIENT
    existing = await ask(gql, token, target)
    missing = await ask(gql, token, "000000000000000000000000")
    assert existing == missing == ({"patient": None}, ["NOT_FOUND"])


async def test_a_professional_of_the_care_team_reads_the_patient(
    seeded: Starlette, gql: GraphQLClient
) -> None:
    token = await token_factory(seeded)(
        ActorKind.PROFESSIONAL, PROFESSIONAL_RPPS, "profile.identity:read"
    )
    assert await ask(gql, token, PATIENT) == (
        {"patient": {"id": PATIENT, "identity": {"birthNames": "MARTIN"}}},
        [],
    )


async def test_the_directory_shows_professionals_to_any_authenticated_actor(
    seeded: Starlette, gql: GraphQLClient
) -> None:
    token = await token_factory(seeded)(ActorKind.PATIENT, PATIENT_INS, "openid")
    answer = await gql.post(
        "query($id: ID!) { professional(id: $id) { rpps lastName specialty { label } "
        "practice { city } } }",
        {"id": stable_id("professional:lefevre")},
        headers={"authorization": f"Bearer {token}"},
    )
    assert answer.data == {
        "professional": {
            "rpps": PROFESSIONAL_RPPS,
            "lastName": "Lefèvre",
            "specialty": {"label": "Médecine générale (SM)"},
            "practice": {"city": "Nantes"},
        }
    }
