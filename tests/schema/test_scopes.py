"""Scopes decide, field by field, what a token reads: a table over the whole vocabulary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from resolvers.actors import ActorKind
from resolvers.scopes import SCOPES
from schema import SchemaLimits, build_schema
from schema.scopes_doc import guarded_fields, render
from tests.oauth_support import PATIENT_INS
from tests.support import GraphQLClient
from tests.tokens import seed, token_factory


class Row:
    """A scope, a query reading a field it guards, where that field is, and what it holds."""

    def __init__(self, scope: str, field: str, query: str, path: list[str], value: Any) -> None:
        self.scope, self.field, self.query, self.path, self.value = scope, field, query, path, value


ROWS = [
    Row(
        "profile.identity:read",
        "Patient.identity",
        "{ me { id kind patient { id identity { birthNames ins { matricule } } } } }",
        ["me", "patient", "identity"],
        {"birthNames": "MARTIN", "ins": {"matricule": PATIENT_INS}},
    ),
]


def at(data: Any, path: list[str]) -> Any:
    for key in path:
        data = data[key]
    return data


def without(data: Any, path: list[str]) -> Any:
    """``data`` with the value at ``path`` blanked, to compare everything else."""
    if not path:
        return "<blank>"
    return {**data, path[0]: without(data[path[0]], path[1:])}


@pytest.fixture
async def seeded(app: Starlette) -> Starlette:
    await seed(app)
    return app


@pytest.mark.parametrize("row", ROWS, ids=[row.scope for row in ROWS])
async def test_a_scope_opens_its_field_and_its_absence_closes_only_that_field(
    seeded: Starlette, gql: GraphQLClient, row: Row
) -> None:
    make = token_factory(seeded)
    other_scopes = "openid" if row.scope != "openid" else "documents:read"
    granted = await gql.post(
        row.query,
        headers={
            "authorization": f"Bearer {await make(ActorKind.PATIENT, PATIENT_INS, row.scope)}"
        },
    )
    denied = await gql.post(
        row.query,
        headers={
            "authorization": f"Bearer {await make(ActorKind.PATIENT, PATIENT_INS, other_scopes)}"
        },
    )
    assert not granted.errors, granted.errors
    assert at(granted.data, row.path) == row.value
    assert at(denied.data, row.path) is None
    [error] = denied.errors
    assert error["path"] == row.path
    assert error["extensions"] == {"code": "INSUFFICIENT_SCOPE", "missingScopes": [row.scope]}
    assert without(denied.data, row.path) == without(granted.data, row.path)


async def test_every_guarded_field_is_in_the_table() -> None:
    guarded = guarded_fields(build_schema(SchemaLimits()))
    in_table = {(row.scope, row.field) for row in ROWS}
    for scope, fields in guarded.items():
        for field in fields:
            assert (scope, field) in in_table, f"add a row for {field} ({scope})"
    for row in ROWS:
        assert row.field in guarded.get(row.scope, []), f"{row.field} is not guarded by {row.scope}"


def test_every_scope_is_described_for_integrators_and_for_consent() -> None:
    names = [scope.name for scope in SCOPES]
    assert len(names) == len(set(names))
    for scope in SCOPES:
        assert scope.description.endswith(".")
        assert scope.consent
        assert scope.kinds


def test_the_scopes_document_is_up_to_date(project_root: Path) -> None:
    expected = render(build_schema(SchemaLimits()))
    current = (project_root / "docs" / "scopes.md").read_text(encoding="utf-8")
    assert current == expected, "docs/scopes.md is stale: run `espace-sante scopes-doc`"


async def test_unauthenticated_requests_get_null_and_unauthenticated(
    seeded: Starlette, gql: GraphQLClient
) -> None:
    answer = await gql.post("{ me { id } service { name } }")
    assert answer.data == {"me": None, "service": {"name": "Mon espace santé API"}}
    assert answer.codes == ["UNAUTHENTICATED"]
