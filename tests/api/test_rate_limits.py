"""Rate limits per OAuth client, per person and per anonymous address, counted in MongoDB so
that replicas share them: the standard headers on every answer, 429 with ``Retry-After`` past
the limit, and a fresh budget when the window turns."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo.database import Database
from starlette.applications import Starlette

from api.app import create_app
from api.rate_limits import RateLimitPolicy
from api.settings import Settings
from resolvers.core.actors import Actor, ActorKind
from tests.support import FakeClock
from tests.tokens import seed, token_factory

CAMILLE_INS = "285034410912329"
LEFEVRE_RPPS = "10001234565"
QUERY = {"query": "{ service { name } }"}


@contextlib.asynccontextmanager
async def running(settings: Settings, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    """One replica: its own app, its own MongoDB client, the shared database."""
    application: Starlette = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        await seed(application)
        application.state.tokens = token_factory(application)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            client.app = application  # type: ignore[attr-defined]
            yield client


def limited(settings: Settings, **limits: int) -> Settings:
    update: dict[str, Any] = {
        "rate_limit_per_client": 1000,
        "rate_limit_per_person": 1000,
        "rate_limit_per_anonymous_ip": 1000,
        **{f"rate_limit_{name}": value for name, value in limits.items()},
    }
    return settings.model_copy(update=update)


async def bearer(client: httpx.AsyncClient, kind: ActorKind, login: str | None) -> dict[str, str]:
    scope = "provisioning" if kind is ActorKind.OPERATOR else "openid"
    token = await client.app.state.tokens(kind, login, scope)  # type: ignore[attr-defined]
    return {"authorization": f"Bearer {token}"}


async def test_a_person_gets_the_headers_then_429_with_retry_after(settings: Settings) -> None:
    clock = FakeClock(datetime.now(UTC))
    async with running(limited(settings, per_person=3), clock) as client:
        headers = await bearer(client, ActorKind.PATIENT, CAMILLE_INS)
        seen = []
        for _ in range(3):
            response = await client.post("/graphql", json=QUERY, headers=headers)
            assert response.status_code == 200
            assert response.headers["ratelimit-limit"] == "3"
            seen.append(int(response.headers["ratelimit-remaining"]))
            assert 0 < int(response.headers["ratelimit-reset"]) <= 60
        assert seen == [2, 1, 0]
        refused = await client.post("/graphql", json=QUERY, headers=headers)
        assert refused.status_code == 429
        retry = int(refused.headers["retry-after"])
        assert 0 < retry <= 60
        assert refused.headers["ratelimit-remaining"] == "0"
        error = refused.json()["errors"][0]
        assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": retry}
        # another person is not held back by Camille's budget
        other = await bearer(client, ActorKind.PROFESSIONAL, LEFEVRE_RPPS)
        assert (await client.post("/graphql", json=QUERY, headers=other)).status_code == 200
        # the document routes share the budget
        download = await client.get("/documents/0123456789abcdef01234567/content", headers=headers)
        assert download.status_code == 429
        clock.advance(timedelta(seconds=retry))
        assert (await client.post("/graphql", json=QUERY, headers=headers)).status_code == 200


async def test_two_replicas_sharing_the_database_share_the_budget(settings: Settings) -> None:
    clock = FakeClock(datetime.now(UTC))
    strict = limited(settings, per_person=4)
    async with running(strict, clock) as first, running(strict, clock) as second:
        assert first.app is not second.app  # type: ignore[attr-defined]
        headers = await bearer(first, ActorKind.PATIENT, CAMILLE_INS)
        statuses = [
            (await replica.post("/graphql", json=QUERY, headers=headers)).status_code
            for replica in (first, second, first, second, first, second)
        ]
    assert statuses == [200, 200, 200, 200, 429, 429]


async def test_one_client_has_one_budget_for_all_the_people_it_serves(settings: Settings) -> None:
    async with running(limited(settings, per_client=3), FakeClock(datetime.now(UTC))) as client:
        people = [
            await bearer(client, ActorKind.PATIENT, CAMILLE_INS),
            await bearer(client, ActorKind.PROFESSIONAL, LEFEVRE_RPPS),
            await bearer(client, ActorKind.PATIENT, CAMILLE_INS),
        ]
        for headers in people:
            assert (await client.post("/graphql", json=QUERY, headers=headers)).status_code == 200
        refused = await client.post("/graphql", json=QUERY, headers=people[1])
        assert refused.status_code == 429


async def test_anonymous_callers_are_counted_per_address(settings: Settings) -> None:
    async with running(
        limited(settings, per_anonymous_ip=2), FakeClock(datetime.now(UTC))
    ) as client:
        for _ in range(2):
            assert (await client.post("/graphql", json=QUERY)).status_code == 200
        assert (await client.post("/graphql", json=QUERY)).status_code == 429
        # a caller with a token draws on its own budgets, not the address's
        headers = await bearer(client, ActorKind.PATIENT, CAMILLE_INS)
        assert (await client.post("/graphql", json=QUERY, headers=headers)).status_code == 200


async def test_the_counters_expire_by_themselves(
    settings: Settings, db: Database[dict[str, Any]]
) -> None:
    async with running(
        limited(settings, per_anonymous_ip=5), FakeClock(datetime.now(UTC))
    ) as client:
        await client.post("/graphql", json=QUERY)
    [window] = list(db["rate_windows"].find())
    assert window["count"] == 1
    assert window["key"].startswith("ip:")
    expiry = db["rate_windows"].index_information()["expiry"]
    assert expiry["expireAfterSeconds"] == 0
    assert expiry["key"] == [("expires_at", 1)]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (ActorKind.PATIENT, ["client:c", "person:patient:p1"]),
        (ActorKind.PROFESSIONAL, ["client:c", "person:professional:p1"]),
        (ActorKind.APP, ["client:c", "person:patient:p1"]),  # the patient the app acts for
        (ActorKind.OPERATOR, ["client:c"]),
    ],
)
def test_each_actor_draws_on_its_client_and_its_person(
    kind: ActorKind, expected: list[str]
) -> None:
    policy = RateLimitPolicy(window_seconds=60, per_client=10, per_person=5, per_anonymous_ip=2)
    actor = Actor(kind=kind, id="p1", client_id="c", scopes=frozenset())
    assert [key for key, _ in policy.budgets(actor, "10.0.0.1")] == expected
    assert policy.budgets(None, "10.0.0.1") == [("ip:10.0.0.1", 2)]
    off = RateLimitPolicy(window_seconds=60, per_client=0, per_person=0, per_anonymous_ip=0)
    assert off.budgets(actor, "10.0.0.1") == []


async def test_concurrent_first_hits_on_a_window_are_each_counted_once(app: Starlette) -> None:
    """Replicas opening the same window at the same instant race on the upsert (the load test
    met it: a lost race answered no document, and the request failed)."""
    stores = app.state.services.running.stores
    expires = datetime.now(UTC) + timedelta(minutes=1)
    for window in range(5):
        seen = await asyncio.gather(
            *(stores.rate_windows.hit("ip:race", window, expires) for _ in range(40))
        )
        assert all(1 <= count <= 40 for count in seen)
        assert max(seen) == 40
        stored = await stores.db["rate_windows"].find_one({"_id": f"ip:race|{window}"})
        assert stored["count"] == 40  # each request counted once
