"""The medical profile through GraphQL: the holder fills every section, the care team adds
medical entries marked with their author, nobody else reads or writes, every change is kept."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from resolvers.demo.seed import stable_id
from tests.api.profile_support import (
    CAMILLE,
    LEFEVRE,
    MOREAU_RPPS,
    REMOVE,
    UPDATE,
    doctor,
    holder,
)
from tests.oauth_support import PATIENT_INS
from tests.support import GraphQLClient
from tests.tokens import TokenFactory, seed, token_factory


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


async def test_the_holder_fills_and_reads_every_section(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    camille = await holder(make, gql)
    entries = [
        {"history": {"kind": "MEDICAL", "label": "Migraine", "since": "2010-06-01"}},
        {"treatment": {"name": "Sumatriptan 50 mg", "dosage": "1 cp si crise"}},
        {"allergy": {"substance": "Arachide", "severity": "SEVERE"}},
        {"familyHistory": {"relation": "père", "condition": "Infarctus"}},
        {"vaccination": {"vaccine": "dTcaP", "date": "2015-05-20", "dose": "rappel"}},
        {"directives": {"organDonation": "REFUSES", "text": "Pas de réanimation."}},
        {"contact": {"name": "Léa MARTIN", "relation": "sœur", "phone": "+33 6 00 00 00 01"}},
        {"careTeam": {"professionalId": stable_id("professional:benali"), "role": "FOLLOWS"}},
    ]
    for entry in entries:
        added = await camille.add(entry)
        assert added["__typename"] == "ProfileEntryChange", added
        assert added["entry"]["author"] == {"kind": "PATIENT", "name": "Camille MARTIN"}
    profile = await camille.profile(
        "history { label } treatments { name dosage } allergies { substance severity } "
        "familyHistory { condition } vaccinations { vaccine dose } "
        "directives { organDonation text author { kind } } "
        "contacts { name trustedPerson } careTeam { professionalId role }"
    )
    assert {"label": "Migraine"} in profile["history"]
    assert {"name": "Sumatriptan 50 mg", "dosage": "1 cp si crise"} in profile["treatments"]
    assert {"substance": "Arachide", "severity": "SEVERE"} in profile["allergies"]
    assert {"condition": "Infarctus"} in profile["familyHistory"]
    assert {"vaccine": "dTcaP", "dose": "rappel"} in profile["vaccinations"]
    # Advance directives are one entry: setting them again replaces the demo's.
    assert profile["directives"] == {
        "organDonation": "REFUSES",
        "text": "Pas de réanimation.",
        "author": {"kind": "PATIENT"},
    }
    assert {"name": "Léa MARTIN", "trustedPerson": False} in profile["contacts"]
    assert {"professionalId": stable_id("professional:benali"), "role": "FOLLOWS"} in profile[
        "careTeam"
    ]


async def test_a_professional_of_the_care_team_adds_a_medical_entry_under_their_name(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    lefevre = await doctor(make, gql)
    added = await lefevre.add({"allergy": {"substance": "Latex", "reaction": "eczéma"}})
    assert added["entry"]["author"] == {"kind": "PROFESSIONAL", "name": "Sophie Lefèvre"}
    read = await (await holder(make, gql)).profile(
        "allergies { substance author { kind id name } }"
    )
    allergies = read["allergies"]
    assert {
        "substance": "Latex",
        "author": {"kind": "PROFESSIONAL", "id": LEFEVRE, "name": "Sophie Lefèvre"},
    } in allergies


async def test_a_professional_does_not_write_the_holders_own_declarations(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    lefevre = await doctor(make, gql)
    before = await lefevre.profile("contacts { id } careTeam { id } directives { id }")
    for entry in (
        {"contact": {"name": "Quelqu'un"}},
        {"careTeam": {"professionalId": LEFEVRE, "role": "FOLLOWS"}},
        {"directives": {"organDonation": "REFUSES"}},
    ):
        refused = await lefevre.add(entry)
        assert refused["__typename"] == "ProfileError"
        assert refused["code"] == "FORBIDDEN"
    assert await lefevre.profile("contacts { id } careTeam { id } directives { id }") == before


async def test_a_professional_corrects_only_the_entries_they_added(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    lefevre, camille = await doctor(make, gql), await holder(make, gql)
    own = await lefevre.add({"history": {"kind": "MEDICAL", "label": "Hypertension"}})
    theirs = await camille.add({"history": {"kind": "MEDICAL", "label": "Anémie"}})
    corrected = await lefevre.data(
        UPDATE,
        {
            "patientId": CAMILLE,
            "entryId": own["entry"]["id"],
            "entry": {"history": {"kind": "MEDICAL", "label": "HTA essentielle"}},
        },
    )
    assert corrected["updateProfileEntry"]["__typename"] == "ProfileEntryChange"
    for query, variables in (
        (
            UPDATE,
            {"entry": {"history": {"kind": "SURGICAL", "label": "Autre chose"}}},
        ),
        (REMOVE, {}),
    ):
        answer = await lefevre.data(
            query, {"patientId": CAMILLE, "entryId": theirs["entry"]["id"], **variables}
        )
        [result] = answer.values()
        assert result == {"__typename": "ProfileError", "code": "FORBIDDEN", "field": None}
    history = (await camille.profile("history { label updatedBy { kind } }"))["history"]
    assert {"label": "HTA essentielle", "updatedBy": {"kind": "PROFESSIONAL"}} in history
    assert {"label": "Anémie", "updatedBy": {"kind": "PATIENT"}} in history


async def test_the_holder_removes_any_entry(make: TokenFactory, gql: GraphQLClient) -> None:
    camille = await holder(make, gql)
    [asthma] = [
        entry
        for entry in (await camille.profile("history { id label }"))["history"]
        if entry["label"] == "Asthme"
    ]
    removed = await camille.data(REMOVE, {"patientId": CAMILLE, "entryId": asthma["id"]})
    assert removed == {"removeProfileEntry": {"__typename": "Removed", "id": asthma["id"]}}
    history = (await camille.profile("history { id }"))["history"]
    assert asthma["id"] not in {entry["id"] for entry in history}
    again = await camille.data(REMOVE, {"patientId": CAMILLE, "entryId": asthma["id"]})
    assert again["removeProfileEntry"] == {
        "__typename": "ProfileError",
        "code": "NOT_FOUND",
        "field": "entryId",
    }


async def test_a_professional_outside_the_care_team_neither_reads_nor_writes(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    moreau = await doctor(make, gql, rpps=MOREAU_RPPS)
    read = await moreau.post(
        "query($id: ID!) { patient(id: $id) { profile { allergies { id } } } }", {"id": CAMILLE}
    )
    assert (read.data, read.codes) == ({"patient": None}, ["NOT_FOUND"])
    refused = await moreau.add({"allergy": {"substance": "Latex"}})
    assert refused == {
        "__typename": "ProfileError",
        "code": "NOT_FOUND",
        "field": "patientId",
        "message": "No patient with this id is visible to you.",
    }
    read = await (await holder(make, gql)).profile("allergies { substance }")
    assert {"substance": "Latex"} not in read["allergies"]


async def test_one_trusted_person_and_one_primary_physician_at_a_time(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    camille = await holder(make, gql)
    await camille.add({"contact": {"name": "Léa MARTIN", "trustedPerson": True}})
    await camille.add(
        {
            "careTeam": {
                "professionalId": stable_id("professional:benali"),
                "role": "PRIMARY_PHYSICIAN",
            }
        }
    )
    profile = await camille.profile(
        "contacts { name trustedPerson } careTeam { professionalId role }"
    )
    assert [c["name"] for c in profile["contacts"] if c["trustedPerson"]] == ["Léa MARTIN"]
    assert {"name": "Paul MARTIN", "trustedPerson": False} in profile["contacts"]
    primary = [m["professionalId"] for m in profile["careTeam"] if m["role"] == "PRIMARY_PHYSICIAN"]
    assert primary == [stable_id("professional:benali")]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"history": {"kind": "MEDICAL", "label": "   "}}, "label"),
        ({"vaccination": {"vaccine": "BCG", "date": "1789-07-14"}}, "date"),
        ({"treatment": {"name": "x" * 301}}, "name"),
        ({"careTeam": {"professionalId": "nobody", "role": "FOLLOWS"}}, "professionalId"),
    ],
)
async def test_bad_entries_are_refused_naming_the_field_and_nothing_is_stored(
    make: TokenFactory, gql: GraphQLClient, entry: dict[str, object], field: str
) -> None:
    camille = await holder(make, gql)
    everything = "history { id } treatments { id } vaccinations { id } careTeam { id }"
    before = await camille.profile(everything)
    refused = await camille.add(entry)
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "ProfileError",
        "BAD_USER_INPUT",
        field,
    )
    assert await camille.profile(everything) == before


async def test_two_sections_in_one_entry_are_refused_by_the_schema(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    camille = await holder(make, gql)
    answer = await camille.post(
        "mutation($id: ID!) { addProfileEntry(patientId: $id, entry: { "
        'allergy: { substance: "a" }, contact: { name: "b" } }) { __typename } }',
        {"id": CAMILLE},
    )
    assert answer.codes == ["GRAPHQL_VALIDATION_FAILED"]


CHANGES = """
query($id: ID!) { patient(id: $id) { profile { changes(first: 50) {
  totalCount edges { node { section action targetId by { kind name } at } } } } } }
"""


async def test_every_change_keeps_who_made_it_and_when(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    camille, lefevre = await holder(make, gql), await doctor(make, gql)
    added = await lefevre.add({"allergy": {"substance": "Iode"}})
    entry_id = added["entry"]["id"]
    await camille.data(REMOVE, {"patientId": CAMILLE, "entryId": entry_id})
    data = await camille.data(CHANGES, {"id": CAMILLE})
    edges = data["patient"]["profile"]["changes"]["edges"]
    about = [edge["node"] for edge in edges if edge["node"]["targetId"] == entry_id]
    assert [(c["action"], c["by"]["name"]) for c in about] == [
        ("REMOVED", "Camille MARTIN"),
        ("ADDED", "Sophie Lefèvre"),
    ]
    assert about[0]["at"] >= about[1]["at"]


async def test_the_history_of_changes_shows_only_the_sections_the_token_opens(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    narrow = await make(ActorKind.PATIENT, PATIENT_INS, "profile.allergies:read")
    answer = await gql.post(CHANGES, {"id": CAMILLE}, headers={"authorization": f"Bearer {narrow}"})
    changes = answer.data["patient"]["profile"]["changes"]
    assert {edge["node"]["section"] for edge in changes["edges"]} == {"allergies"}
    assert changes["totalCount"] == 1


async def test_a_closed_space_is_a_read_only_archive_its_care_team_no_longer_sees(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    camille = await holder(make, gql, scope="profile.allergies:read space:manage")
    closed = await camille.data(
        "mutation($id: ID!) { closeSpace(patientId: $id) { ... on SpaceChange { status } } }",
        {"id": CAMILLE},
    )
    assert closed == {"closeSpace": {"status": "CLOSED"}}
    refused = await camille.add({"allergy": {"substance": "Latex"}})
    assert (refused["__typename"], refused["code"]) == ("ProfileError", "FORBIDDEN")
    assert {"substance": "Pénicilline"} in (await camille.profile("allergies { substance }"))[
        "allergies"
    ]
    lefevre = await doctor(make, gql)
    read = await lefevre.post(
        "query($id: ID!) { patient(id: $id) { profile { allergies { id } } } }", {"id": CAMILLE}
    )
    assert (read.data, read.codes) == ({"patient": None}, ["NOT_FOUND"])
