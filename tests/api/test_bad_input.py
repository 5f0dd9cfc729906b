"""Bad input across the API: each a clear, typed error naming what is wrong, and nothing written.

INS and RPPS with wrong keys or lengths, impossible dates, oversized strings and files, content
that is not what its type says, unicode edge cases, malformed cursors and ids. Field-by-field
refusals of the profile, measurements and document metadata are in their own test modules; these
cover the identifiers and the shapes every part of the API shares.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
import pytest
from pymongo.database import Database
from starlette.applications import Starlette

from api.settings import Settings
from resolvers.core.actors import ActorKind
from tests.api.documents_support import CAMILLE, DEPOSIT, PDF, Caller, metadata
from tests.tokens import TokenFactory, seed, token_factory

CAMILLE_INS = "285034410912329"
LEFEVRE_RPPS = "10001234565"
WRITES = ("profile_entries", "measurements", "documents", "representations", "conversations")
ACTIVATE = """mutation($i: ActivationInput!) { activateSpace(input: $i) {
  __typename ... on SpaceError { code field message } } }"""
REPRESENTATIVE = """mutation($p: ID!, $r: String!) {
  addRepresentative(patientId: $p, representativeIns: $r, relation: "parent") {
    __typename ... on SpaceError { code field message } } }"""
ADD_ENTRY = """mutation($p: ID!, $e: ProfileEntryInput!) {
  addProfileEntry(patientId: $p, entry: $e) {
  __typename ... on ProfileEntryChange { entry { id } } ... on ProfileError { code field } } }"""
ALLERGIES = "query($p: ID!) { patient(id: $p) { profile { allergies { substance notes } } } }"
DOCUMENTS = """query($p: ID!, $f: DocumentFilterInput, $after: String) {
  patient(id: $p) { documents(filter: $f, after: $after) { totalCount } } }"""


@pytest.fixture
async def make(app: Starlette) -> TokenFactory:
    await seed(app)
    return token_factory(app)


async def as_patient(make: TokenFactory, scope: str) -> dict[str, str]:
    return {"authorization": f"Bearer {await make(ActorKind.PATIENT, CAMILLE_INS, scope)}"}


async def post(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    return body


def counts(db: Database[dict[str, Any]]) -> dict[str, int]:
    return {name: db[name].count_documents({}) for name in WRITES}


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.mark.parametrize(
    ("ins", "problem"),
    [
        ("285034410912328", "key"),  # the key of 2850344109123 is 29
        ("28503441091232", "15 characters"),
        ("2850344109123290", "15 characters"),
        ("285034410912 3 2 9 x", "15 characters"),
        ("985034410912329", "starts with"),  # no such sex digit
        ("2850344\uff110912329", "starts with"),  # a full-width digit one
        ("", "15 characters"),
    ],
)
async def test_an_ins_with_a_wrong_key_or_length_is_named(
    http: httpx.AsyncClient,
    make: TokenFactory,
    db: Database[dict[str, Any]],
    ins: str,
    problem: str,
) -> None:
    before = counts(db)
    headers = {"authorization": f"Bearer {await make(ActorKind.OPERATOR, None, 'admin')}"}
    added = await post(http, REPRESENTATIVE, {"p": CAMILLE, "r": ins}, headers)
    result = added["data"]["addRepresentative"]
    assert (result["code"], result["field"]) == ("BAD_USER_INPUT", "representativeIns"), result
    assert problem in result["message"]
    # Without a token (activation), a malformed INS gets the very answer an unknown one gets:
    # the anonymous paths never say anything about an INS (docs/spaces.md).
    activation = {"activationCode": "ABCD-EFGH", "password": "correct horse battery"}
    malformed = await post(http, ACTIVATE, {"i": {"ins": ins, **activation}})
    unknown = await post(http, ACTIVATE, {"i": {"ins": "185057512345673", **activation}})
    assert malformed == unknown
    assert malformed["data"]["activateSpace"]["code"] == "INVALID_CODE"
    assert counts(db) == before


@pytest.mark.parametrize("rpps", ["10001234564", "1000123456", "100012345651", "1000123456A"])
async def test_an_rpps_with_a_wrong_check_digit_or_length_is_named(
    http: httpx.AsyncClient, make: TokenFactory, rpps: str
) -> None:
    headers = await as_patient(make, "documents:read")
    answer = await post(http, DOCUMENTS, {"p": CAMILLE, "f": {"authorRpps": rpps}}, headers)
    assert codes(answer) == ["BAD_USER_INPUT"], answer
    assert answer["errors"][0]["extensions"]["field"] == "authorRpps"
    good = await post(http, DOCUMENTS, {"p": CAMILLE, "f": {"authorRpps": LEFEVRE_RPPS}}, headers)
    assert not good.get("errors"), good


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # no 30 February, no month 13: the Date scalar refuses them before any resolver
        ({"allergy": {"substance": "Pollen", "since": "2024-02-30"}}, "BAD_USER_INPUT"),
        ({"allergy": {"substance": "Pollen", "since": "2024-13-01"}}, "BAD_USER_INPUT"),
        ({"allergy": {"substance": "Pollen", "since": "-0001-01-01"}}, "BAD_USER_INPUT"),
        # a possible date that is impossible for a person: the profile's own rule
        ({"vaccination": {"vaccine": "BCG", "date": "1789-07-14"}}, "ProfileError"),
        ({"allergy": {"substance": "x" * 2001}}, "ProfileError"),
        ({"allergy": {"substance": "Pollen", "notes": "n" * 100_000}}, "ProfileError"),
    ],
)
async def test_impossible_dates_and_oversized_strings_are_refused(
    http: httpx.AsyncClient,
    make: TokenFactory,
    db: Database[dict[str, Any]],
    entry: dict[str, Any],
    expected: str,
) -> None:
    headers = await as_patient(make, "profile:write profile.allergies:read")
    before = counts(db)
    answer = await post(http, ADD_ENTRY, {"p": CAMILLE, "e": entry}, headers)
    if expected == "ProfileError":
        result = answer["data"]["addProfileEntry"]
        assert (result["__typename"], result["code"]) == ("ProfileError", "BAD_USER_INPUT")
    else:
        assert codes(answer) == [expected], answer
    assert counts(db) == before


@pytest.mark.parametrize(
    "text",
    [
        "Pollen\u0000de bouleau",  # NUL
        "\u202eelloP",  # right-to-left override
        "Po\u0301llen e\u0301\u0301\u0301",  # combining accents, stacked
        "Pollen 🌳👨‍👩‍👧",  # astral plane, zero-width joiners
        "\ufeffPollen\u200b",  # byte-order mark, zero-width space
        "ǅ ﬁ ß ẞ Ⅻ",  # titlecase digraph, ligature, sharp s, roman numeral
    ],
)
async def test_unicode_edge_cases_are_kept_exactly_or_refused_never_a_failure(
    http: httpx.AsyncClient, make: TokenFactory, text: str
) -> None:
    headers = await as_patient(make, "profile:write profile.allergies:read")
    answer = await post(
        http, ADD_ENTRY, {"p": CAMILLE, "e": {"allergy": {"substance": text}}}, headers
    )
    assert not answer.get("errors"), answer
    result = answer["data"]["addProfileEntry"]
    stored = await post(http, ALLERGIES, {"p": CAMILLE}, headers)
    substances = [a["substance"] for a in stored["data"]["patient"]["profile"]["allergies"]]
    if result["__typename"] == "ProfileEntryChange":
        assert text.strip() in substances  # byte for byte, as sent (trimmed)
    else:
        assert result["code"] == "BAD_USER_INPUT"
        assert text.strip() not in substances


async def test_text_that_is_not_unicode_is_a_bad_request(
    http: httpx.AsyncClient, make: TokenFactory
) -> None:
    headers = {**(await as_patient(make, "profile:write")), "content-type": "application/json"}
    for body in (
        b'{"query": "{ service { name } }", "variables": {"x": "\\ud800"}}',  # lone surrogate
        b'{"query": "{ service { name } }", "variables": {"x": "\xff\xfe"}}',  # not UTF-8
    ):
        response = await http.post("/graphql", content=body, headers=headers)
        assert response.status_code == 400, response.text
        assert codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "e30",  # {} in base64url
        base64.urlsafe_b64encode(b"[1]").decode(),
        base64.urlsafe_b64encode(orjson.dumps([{"$gt": ""}, "x"])).decode(),  # an operator
        base64.urlsafe_b64encode(orjson.dumps([{"t": "not a date"}, "x"])).decode(),
        base64.urlsafe_b64encode(orjson.dumps(["2026-01-01", {"$ne": None}])).decode(),
        "A" * 10_000,
    ],
)
async def test_a_malformed_cursor_is_named_not_followed(
    http: httpx.AsyncClient, make: TokenFactory, cursor: str
) -> None:
    headers = await as_patient(make, "documents:read")
    answer = await post(http, DOCUMENTS, {"p": CAMILLE, "after": cursor}, headers)
    assert codes(answer) == ["BAD_USER_INPUT"], answer
    assert answer["errors"][0]["extensions"]["field"] == "after"


@pytest.mark.parametrize("bad", ["", " ", "x" * 129, "abc\u0000", "é", "a/b", "0" * 10_000])
async def test_a_malformed_id_is_named_and_a_well_formed_unknown_one_is_not_found(
    http: httpx.AsyncClient, make: TokenFactory, db: Database[dict[str, Any]], bad: str
) -> None:
    headers = await as_patient(make, "documents:read documents:write profile:write")
    before = counts(db)
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("query($id: ID!) { document(id: $id) { id } }", {"id": bad}),
        ("query($id: ID!) { patient(id: $id) { id } }", {"id": bad}),
        (
            "mutation($id: ID!) { setHiddenDocumentAccess(professionalId: $id, granted: true) "
            "{ __typename } }",
            {"id": bad},
        ),
        (ADD_ENTRY, {"p": bad, "e": {"allergy": {"substance": "Pollen"}}}),
    ]
    for query, variables in attempts:
        answer = await post(http, query, variables, headers)
        assert codes(answer) == ["BAD_USER_INPUT"], (query, answer)
    literal = await post(http, '{ document(id: "") { id } }', {}, headers)
    assert codes(literal) == ["BAD_USER_INPUT"]
    unknown = await post(
        http, "query($id: ID!) { document(id: $id) { id } }", {"id": "0" * 24}, headers
    )
    assert codes(unknown) == ["NOT_FOUND"]
    assert counts(db) == before


async def test_an_oversized_file_is_refused_before_it_is_read_and_nothing_is_kept(
    settings: Settings, make: TokenFactory, http: httpx.AsyncClient, db: Database[dict[str, Any]]
) -> None:
    token = await make(ActorKind.PROFESSIONAL, LEFEVRE_RPPS, "documents:read documents:write")
    before = counts(db)
    limit = settings.document_config().multipart_max_bytes
    response = await Caller(http, token).send_deposit(PDF + b"%" + b"x" * (limit + 70_000))
    assert response.status_code == 413
    assert codes(response.json()) == ["PAYLOAD_TOO_LARGE"]
    assert counts(db) == before


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (b"<html><script>alert(1)</script></html>", "application/pdf"),
        (PDF, "image/png"),
        (b"MZ\x90\x00" + b"\x00" * 64, "application/pdf"),  # an executable
        (PDF, "application/x-msdownload"),
    ],
)
async def test_content_that_is_not_what_its_type_says_is_refused_and_nothing_is_kept(
    make: TokenFactory,
    http: httpx.AsyncClient,
    db: Database[dict[str, Any]],
    data: bytes,
    declared: str,
) -> None:
    token = await make(ActorKind.PROFESSIONAL, LEFEVRE_RPPS, "documents:read documents:write")
    before = counts(db)
    response = await http.post(
        "/graphql",
        data={
            "operations": orjson.dumps(
                {
                    "query": DEPOSIT,
                    "variables": {"patientId": CAMILLE, "file": None, "metadata": metadata()},
                }
            ).decode(),
            "map": '{"0": ["variables.file"]}',
        },
        files={"0": ("file", data, declared)},
        headers={"authorization": f"Bearer {token}", "graphql-preflight": "1"},
    )
    assert response.status_code == 200, response.text
    result = response.json()["data"]["depositDocument"]
    assert result["__typename"] == "DocumentError", result
    assert result["code"] == "BAD_USER_INPUT"
    assert counts(db) == before
