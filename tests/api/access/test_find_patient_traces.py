"""What a lookup by INS leaves and costs: the trace in the patient's history (the holder sees who
looked her up, a blocked professional's lookup included), the trace of a lookup that found
nobody kept for its actor only, the guessing budget per source, and the time of a hit, a miss
and wrong traits (medians over interleaved requests, as a ratio: never an absolute time)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette

from resolvers.access.lookup import FIND as BUDGET
from resolvers.core.actors import ActorKind
from tests.access_support import make_professional
from tests.api.access.test_existence_privacy import normalised
from tests.api.actors_support import every_scope
from tests.api.documents_support import Caller, stores_of
from tests.api.lookup_support import FIND, find_variables, relate
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import token_factory

HISTORY = """
query($p: ID!) { patient(id: $p) { accessHistory {
  edges { node { action outcome patientId actor { kind id name } } } } } }
"""


async def _pro(app: Starlette, http: httpx.AsyncClient, index: int) -> tuple[str, Caller]:
    pro = await make_professional(stores_of(app), datetime.now(UTC), index, "10")
    token = await token_factory(app)(
        ActorKind.PROFESSIONAL, pro["rpps"], every_scope(ActorKind.PROFESSIONAL)
    )
    return pro["_id"], Caller(http, token)


async def test_the_holder_sees_every_lookup_of_her(app: Starlette, http: httpx.AsyncClient) -> None:
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    patient = await make_patient(stores, clock, 21, "active")
    holder = Caller(
        http,
        await token_factory(app)(
            ActorKind.PATIENT, patient["ins"]["matricule"], every_scope(ActorKind.PATIENT)
        ),
    )
    team_id, team = await _pro(app, http, 801)
    blocked_id, blocked = await _pro(app, http, 802)
    wrong_id, wrong = await _pro(app, http, 803)
    await relate(stores, clock.now(), patient, team_id, "care team")
    await relate(stores, clock.now(), patient, blocked_id, "blocked")
    assert (await team.data(FIND, find_variables(patient)))["findPatient"]["found"]
    assert (await blocked.data(FIND, find_variables(patient)))["findPatient"]["found"]
    missed = await wrong.data(FIND, find_variables(patient, birthDate="1980-06-16"))
    assert missed["findPatient"]["found"] is False
    history = await holder.data(HISTORY, {"p": patient["_id"]})
    events = {
        (e["node"]["actor"]["id"], e["node"]["outcome"])
        for e in history["patient"]["accessHistory"]["edges"]
        if e["node"]["action"] == "patient.looked_up"
    }
    assert events == {(team_id, "ALLOWED"), (blocked_id, "ALLOWED"), (wrong_id, "DENIED")}
    team_doc = await stores.professionals.get(team_id)
    assert team_doc is not None
    names = {
        e["node"]["actor"]["name"]
        for e in history["patient"]["accessHistory"]["edges"]
        if e["node"]["actor"]["id"] == team_id
    }
    assert names == {f"Prénom PRO801 (RPPS {team_doc['rpps']})"}  # by name and RPPS


async def test_a_lookup_that_finds_nobody_is_the_actors_alone(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    ghost = await make_patient(stores, clock, 22, "active")
    await stores.patients.delete(ghost["_id"])
    pro_id, pro = await _pro(app, http, 811)
    assert (await pro.data(FIND, find_variables(ghost)))["findPatient"]["found"] is False
    (event,) = await stores.access_events.list_where({"action": "patient.looked_up"})
    assert (event["patient_id"], event["actor"]["id"], event["outcome"]) == (
        "unknown", pro_id, "denied"
    )  # fmt: skip
    assert ghost["ins"]["matricule"] not in str(event)  # no INS kept in a trace


async def test_past_the_budget_every_ins_gets_the_same_refusal(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    known = await make_patient(stores, clock, 23, "active")
    _, pro = await _pro(app, http, 821)
    for index in range(BUDGET.per_source):
        ghost = await make_patient(stores, clock, 1000 + index, "active")
        await stores.patients.delete(ghost["_id"])
        assert (await pro.data(FIND, find_variables(ghost)))["findPatient"]["found"] is False
    stopped = [
        normalised(await pro.post(FIND, find_variables(known))),
        normalised(await pro.post(FIND, find_variables(ghost))),
    ]
    assert stopped[0] == stopped[1]
    assert "TOO_MANY_ATTEMPTS" in stopped[0]


async def _elapsed(caller: Caller, variables: dict[str, Any]) -> float:
    started = time.perf_counter()
    await caller.post(FIND, variables)
    return time.perf_counter() - started


async def test_a_miss_costs_what_a_hit_costs(app: Starlette, http: httpx.AsyncClient) -> None:
    """An unknown INS, wrong traits and a hit of a care-team member: medians of 30 interleaved
    requests each, as ratios within 1.4. The guessing counters are emptied between turns (the
    budget is the test above's), and each miss uses a fresh INS (no per-INS slowing)."""
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    pro_id, pro = await _pro(app, http, 831)
    known = await make_patient(stores, clock, 24, "active")
    await relate(stores, clock.now(), known, pro_id, "care team")
    others = [await make_patient(stores, clock, 2000 + i, "active") for i in range(40)]
    ghosts = [await make_patient(stores, clock, 3000 + i, "active") for i in range(40)]
    for ghost in ghosts:
        await stores.patients.delete(ghost["_id"])
    times: dict[str, list[float]] = {"hit": [], "unknown": [], "wrong traits": []}
    for turn in range(40):
        kinds = [
            ("hit", find_variables(known)),
            ("unknown", find_variables(ghosts[turn])),
            ("wrong traits", find_variables(others[turn], birthDate="1980-06-16")),
        ]
        for name, variables in kinds[turn % 3 :] + kinds[: turn % 3]:
            elapsed = await _elapsed(pro, variables)
            if turn >= 10:  # warmed up
                times[name].append(elapsed)
        await stores.rate_windows.delete_where({})
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratios = {name: medians[name] / medians["hit"] for name in ("unknown", "wrong traits")}
    assert all(1 / 1.4 < ratio < 1.4 for ratio in ratios.values()), (ratios, medians)
