"""The dashboard benchmark compares like with like: its hand-written baseline answers exactly
the bytes the GraphQL endpoint answers, for the patient and for her primary physician."""

from __future__ import annotations

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from api.settings import Settings
from bench.dashboard_baseline import create_baseline
from bench.dashboard_data import (
    DASHBOARD,
    LEFEVRE_RPPS,
    PATIENT_INS,
    SCOPES,
    VARIABLES,
    prepare,
)
from resolvers.core.actors import ActorKind
from tests.tokens import token_factory


@pytest.mark.parametrize(
    ("kind", "login"), [(ActorKind.PATIENT, PATIENT_INS), (ActorKind.PROFESSIONAL, LEFEVRE_RPPS)]
)
async def test_the_baseline_answers_the_same_bytes_as_graphql(
    app: Starlette, settings: Settings, kind: ActorKind, login: str
) -> None:
    await prepare(app.state.services.running.stores)
    token = await token_factory(app)(kind, login, SCOPES)
    headers = {"authorization": f"Bearer {token}"}
    baseline = create_baseline(settings)
    async with (
        baseline.router.lifespan_context(baseline),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as api,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=baseline), base_url="http://b") as raw,
    ):
        ours = await api.post(
            "/graphql", json={"query": DASHBOARD, "variables": VARIABLES}, headers=headers
        )
        theirs = await raw.post("/dashboard", json={"variables": VARIABLES}, headers=headers)
    assert ours.status_code == theirs.status_code == 200
    body = orjson.loads(ours.content)
    assert "errors" not in body
    # a full dashboard: every part holds something
    patient = body["data"]["patient"]
    assert len(patient["documents"]["edges"]) == 20
    assert len(patient["agenda"]["edges"]) == 5
    assert len(body["data"]["conversations"]["edges"]) == 10
    assert all(patient["profile"].values())
    assert ours.content == theirs.content
