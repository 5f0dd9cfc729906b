"""A professional's patients (issue 20 part 2), through GraphQL: each route in (primary
physician, care team, a recent consent, a recent emergency) x each reason out (none, a block,
an objection to the care team, an objected or deleted space, a route too old, another
professional's patient), the state of each listed space, and the pages (Relay PageInfo)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from resolvers.access.my_patients import RECENT
from resolvers.core.actors import ActorKind
from storage.patients import SpaceStatus
from storage.stores import Stores
from tests.access_support import link_to_care_team, make_professional, open_emergency
from tests.api.actors_support import every_scope
from tests.api.documents_support import Caller, stores_of
from tests.api.lookup_support import MY_PATIENTS
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import token_factory

ROUTES = {
    "primary physician": "PRIMARY_PHYSICIAN",
    "care team": "CARE_TEAM",
    "consent": "CONSENT",
    "emergency": "EMERGENCY",
}
EXCLUSIONS = ("none", "blocked", "care-team objected", "objected", "deleted", "too old", "other")
LISTED_STATES: dict[SpaceStatus, str] = {
    "provisioned": "NOT_YET_OPEN",
    "open": "OPEN",
    "active": "OPEN",
    "suspended": "SUSPENDED",
    "closed": "CLOSED",
}


async def _route(  # noqa: PLR0917 - the situation's facts
    stores: Stores, now: datetime, patient_id: str, pro_id: str, route: str, old: bool
) -> None:
    when = now - RECENT - timedelta(days=1) if old else now
    if route in ("primary physician", "care team"):
        role = "primary_physician" if route == "primary physician" else "follows"
        await link_to_care_team(stores, when, patient_id, pro_id, role)
    elif route == "consent":
        await stores.authorisations.choose(patient_id, pro_id, {"consent": True}, when)
    else:
        await open_emergency(stores, when, patient_id, pro_id)


async def _caller(app: Starlette, http: httpx.AsyncClient, rpps: str) -> Caller:
    scope = every_scope(ActorKind.PROFESSIONAL)
    return Caller(http, await token_factory(app)(ActorKind.PROFESSIONAL, rpps, scope))


async def _all(caller: Caller, first: int = 100) -> list[dict[str, Any]]:
    data = await caller.data(MY_PATIENTS, {"first": first})
    return [edge["node"] for edge in data["myPatients"]["edges"]]


async def test_each_route_in_by_each_reason_out(app: Starlette, http: httpx.AsyncClient) -> None:
    """4 routes x 7 reasons = 28 patients; the listed ones and why, exactly."""
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    now = clock.now()
    me = await make_professional(stores, now, 900, "10")
    other = await make_professional(stores, now, 901, "10")
    want: dict[str, dict[str, Any]] = {}
    for r_index, route in enumerate(ROUTES):
        for e_index, reason in enumerate(EXCLUSIONS):
            patient = await make_patient(stores, clock, 500 + r_index * 10 + e_index, "active")
            pid = patient["_id"]
            who = other["_id"] if reason == "other" else me["_id"]
            # a care-team link never grows old: "too old" is for the recent routes only
            old = reason == "too old" and route in ("consent", "emergency")
            await _route(stores, now, pid, who, route, old)
            if reason == "blocked":
                await stores.authorisations.choose(pid, me["_id"], {"blocked": True}, now)
            elif reason == "care-team objected":
                changes = {"space.care_team_objected_at": now}
                await stores.patients.transition({"_id": pid}, changes, now)
            elif reason in ("objected", "deleted"):
                await stores.patients.transition({"_id": pid}, {"space.status": reason}, now)
            if reason == "none" or (reason == "too old" and not old):
                want[pid] = {"patientId": pid, "spaceState": "OPEN",
                             "listedBecause": [ROUTES[route]]}  # fmt: skip
    got = {node["patientId"]: node for node in await _all(await _caller(app, http, me["rpps"]))}
    assert got == want


async def test_each_listed_state_and_every_reason_at_once(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    now = clock.now()
    me = await make_professional(stores, now, 910, "10")
    want = {}
    for index, (state, name) in enumerate(LISTED_STATES.items()):
        patient = await make_patient(stores, clock, 600 + index, state)
        for route in ROUTES:
            if route != "primary physician":
                await _route(stores, now, patient["_id"], me["_id"], route, old=False)
        want[patient["_id"]] = {"patientId": patient["_id"], "spaceState": name,
                                "listedBecause": ["CARE_TEAM", "CONSENT", "EMERGENCY"]}  # fmt: skip
    got = {node["patientId"]: node for node in await _all(await _caller(app, http, me["rpps"]))}
    assert got == want


async def test_pages_follow_relay(app: Starlette, http: httpx.AsyncClient) -> None:
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    me = await make_professional(stores, clock.now(), 920, "10")
    ids = set()
    for index in range(23):
        patient = await make_patient(stores, clock, 700 + index, "active")
        await link_to_care_team(stores, clock.now(), patient["_id"], me["_id"])
        ids.add(patient["_id"])
    caller = await _caller(app, http, me["rpps"])
    seen, after, pages = [], None, []
    while True:
        data = (await caller.data(MY_PATIENTS, {"first": 10, "after": after}))["myPatients"]
        pages.append(data["pageInfo"])
        assert data["totalCount"] == 23
        seen += [edge["node"]["patientId"] for edge in data["edges"]]
        assert data["pageInfo"]["startCursor"] == data["edges"][0]["cursor"]
        assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert [(p["hasNextPage"], p["hasPreviousPage"]) for p in pages] == [
        (True, False), (True, True), (False, True)
    ]  # fmt: skip
    assert seen == sorted(ids)  # every patient once, in a stable order


async def test_only_professionals_have_patients(app: Starlette, http: httpx.AsyncClient) -> None:
    make = token_factory(app)
    operator = Caller(http, await make(ActorKind.OPERATOR, None, "patients:find"))
    body = await operator.post(MY_PATIENTS, {})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    patient = await make_patient(stores_of(app), FakeClock(datetime.now(UTC)), 1, "active")
    holder = Caller(
        http,
        await make(ActorKind.PATIENT, patient["ins"]["matricule"], every_scope(ActorKind.PATIENT)),
    )
    body = await holder.post(MY_PATIENTS, {})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INSUFFICIENT_SCOPE"]
