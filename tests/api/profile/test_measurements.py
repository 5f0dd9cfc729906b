"""Measurements through GraphQL: LOINC codes and UCUM units checked, values converted to the
canonical unit, queried by type and period, page by page, newest first."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from tests.api.profile_support import CAMILLE, MOREAU_RPPS, Caller, doctor, holder
from tests.support import GraphQLClient
from tests.tokens import TokenFactory, seed, token_factory

RECORD = """
mutation($patientId: ID!, $input: MeasurementInput!) {
  recordMeasurement(patientId: $patientId, input: $input) {
    __typename
    ... on MeasurementRecorded { measurement {
      id code label value unit canonicalValue canonicalUnit
      components { code label value } author { kind }
    } }
    ... on ProfileError { code field message }
  }
}
"""

REMOVE = """
mutation($patientId: ID!, $id: ID!) {
  removeMeasurement(patientId: $patientId, measurementId: $id) {
    __typename ... on ProfileError { code }
  }
}
"""

HISTORY = """
query($id: ID!, $code: String, $since: DateTime, $until: DateTime, $first: Int, $after: String) {
  patient(id: $id) { profile { measurements(
      code: $code, since: $since, until: $until, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { value measuredAt } }
  } } }
}
"""


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


async def record(caller: Caller, **fields: Any) -> dict[str, Any]:
    data = await caller.data(
        RECORD,
        {"patientId": CAMILLE, "input": {"measuredAt": "2026-11-20T08:00:00Z", **fields}},
    )
    result: dict[str, Any] = data["recordMeasurement"]
    return result


async def history(caller: Caller, **variables: Any) -> dict[str, Any]:
    data = await caller.data(HISTORY, {"id": CAMILLE, **variables})
    result: dict[str, Any] = data["patient"]["profile"]["measurements"]
    return result


async def test_a_weight_in_pounds_is_kept_as_given_and_converted_to_kilograms(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    camille = await holder(make, gql, scope="measurements:read measurements:write")
    recorded = await record(camille, code="29463-7", unit="[lb_av]", value=140)
    assert recorded["measurement"] == {
        "id": recorded["measurement"]["id"],
        "code": "29463-7",
        "label": "Poids",
        "value": 140.0,
        "unit": "[lb_av]",
        "canonicalValue": 63.5029,
        "canonicalUnit": "kg",
        "components": [],
        "author": {"kind": "PATIENT"},
    }


async def test_blood_pressure_is_a_panel_of_two_components(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    camille = await holder(make, gql, scope="measurements:read measurements:write")
    recorded = await record(camille, code="85354-9", unit="mm[Hg]", systolic=132, diastolic=84)
    assert recorded["measurement"]["value"] is None
    assert recorded["measurement"]["components"] == [
        {"code": "8480-6", "label": "systolique", "value": 132.0},
        {"code": "8462-4", "label": "diastolique", "value": 84.0},
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "29463-7", "unit": "cm", "value": 60}, "unit"),
        ({"code": "29463-7", "unit": "kg", "value": 900}, "value"),
        ({"code": "8310-5", "unit": "[degF]", "value": 140}, "value"),
        ({"code": "0000-0", "unit": "kg", "value": 60}, "code"),
        ({"code": "85354-9", "unit": "mm[Hg]", "systolic": 80, "diastolic": 120}, "components"),
        ({"code": "85354-9", "unit": "mm[Hg]", "systolic": 120}, "components"),
        ({"code": "85354-9", "unit": "mm[Hg]", "value": 120}, "components"),
        ({"code": "8867-4", "unit": "/min"}, "value"),
        (
            {"code": "8867-4", "unit": "/min", "value": 70, "measuredAt": "2027-01-01T00:00:00Z"},
            ("measuredAt"),
        ),
        (
            {"code": "8867-4", "unit": "/min", "value": 70, "measuredAt": "2026-11-20T08:00:00"},
            ("measuredAt"),
        ),
    ],
)
async def test_a_bad_measurement_is_refused_naming_the_field_and_nothing_is_stored(
    make: TokenFactory, gql: GraphQLClient, fields: dict[str, Any], field: str
) -> None:
    camille = await holder(make, gql, scope="measurements:read measurements:write")
    before = (await history(camille))["totalCount"]
    refused = await record(camille, **fields)
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "ProfileError",
        "BAD_USER_INPUT",
        field,
    ), refused
    assert (await history(camille))["totalCount"] == before


async def test_the_history_filters_by_type_and_period_and_pages_newest_first(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    camille = await holder(make, gql, scope="measurements:read")
    # The demo set holds ten weekly weights from 2026-09-01, 64.0 kg down by 0.2 kg a week.
    october = {"code": "29463-7", "since": "2026-10-01T00:00:00Z", "until": "2026-11-01T00:00:00Z"}
    seen, after = [], None
    while True:
        page = await history(camille, first=2, after=after, **october)
        assert page["totalCount"] == 4
        seen += [edge["node"] for edge in page["edges"]]
        # Relay's PageInfo: the first page has nothing before it, the others do.
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [node["value"] for node in seen] == [62.4, 62.6, 62.8, 63.0]
    assert [node["measuredAt"][:10] for node in seen] == [
        "2026-10-27",
        "2026-10-20",
        "2026-10-13",
        "2026-10-06",
    ]
    assert (await history(camille))["totalCount"] == 20  # weights and blood pressures


async def test_the_measurement_types_are_a_public_reference(gql: GraphQLClient) -> None:
    data = await gql.data("{ measurementTypes { code label canonicalUnit units components } }")
    by_code = {t["code"]: t for t in data["measurementTypes"]}
    assert len(by_code) == 11
    assert by_code["2339-0"] == {
        "code": "2339-0",
        "label": "Glycémie",
        "canonicalUnit": "mg/dL",
        "units": ["mg/dL", "g/L", "mmol/L"],
        "components": [],
    }
    assert by_code["85354-9"]["components"] == ["8480-6", "8462-4"]


async def test_who_may_remove_a_measurement(make: TokenFactory, gql: GraphQLClient) -> None:
    camille = await holder(make, gql, scope="measurements:read measurements:write")
    lefevre = await doctor(make, gql, scope="measurements:read measurements:write")
    by_doctor = await record(lefevre, code="8867-4", unit="/min", value=72)
    assert by_doctor["measurement"]["author"] == {"kind": "PROFESSIONAL"}
    by_holder = await record(camille, code="8867-4", unit="/min", value=64)
    removals = [
        (lefevre, by_holder, {"__typename": "ProfileError", "code": "FORBIDDEN"}),
        (lefevre, by_doctor, {"__typename": "Removed"}),
        (camille, by_holder, {"__typename": "Removed"}),
        (camille, by_holder, {"__typename": "ProfileError", "code": "NOT_FOUND"}),
    ]
    for caller, recorded, expected in removals:
        answer = await caller.data(
            REMOVE, {"patientId": CAMILLE, "id": recorded["measurement"]["id"]}
        )
        assert answer["removeMeasurement"] == expected
    assert (await history(camille, code="8867-4"))["totalCount"] == 0


async def test_a_professional_outside_the_care_team_records_nothing(
    make: TokenFactory, gql: GraphQLClient
) -> None:
    moreau = await doctor(make, gql, scope="measurements:write", rpps=MOREAU_RPPS)
    refused = await record(moreau, code="8867-4", unit="/min", value=72)
    assert (refused["code"], refused["field"]) == ("NOT_FOUND", "patientId")
