"""The duty to deposit (R1111-42) through GraphQL, on an app whose clock the test moves: a deposit
after the act's day (Europe/Paris; discharge for a stay) is late, said in the deposit's answer
and on the document, by every deposit path, and never refused; the figures over a period, and
who may see which (a table)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.settings import Settings
from resolvers.core.actors import ActorKind
from resolvers.core.identity import finess_of
from tests.api.actors_support import Nobody, app_caller
from tests.api.agenda_support import seeded_app
from tests.api.documents.test_transfers import request
from tests.api.documents_support import (
    BENALI,
    BENALI_RPPS,
    CAMILLE,
    PDF,
    Caller,
    add_to_care_team,
    patient,
    professional,
)
from tests.oauth_support import PROFESSIONAL_RPPS
from tests.support import FakeClock
from tests.tokens import TokenFactory, token_factory

H = 3600
LEAD = timedelta(minutes=2)  # what a path does before its deposit (within a token's lifetime)
LEFEVRE_FINESS = finess_of("44000001")
BENALI_FINESS = finess_of("44000004")
TIMELINESS = "id actDate depositedAt late lateBySeconds"
CONFIRM = f"""
mutation($id: ID!) {{ confirmDocumentUpload(documentId: $id) {{
  __typename ... on DocumentChange {{ document {{ {TIMELINESS} }} }}
}} }}
"""
READ = f"query($id: ID!) {{ document(id: $id) {{ {TIMELINESS} }} }}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[Starlette]:
    async with seeded_app(settings, clock) as application:
        yield application


@pytest.fixture
def make(app: Starlette) -> TokenFactory:
    return token_factory(app)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def direct(lefevre: Caller, meta: dict[str, Any], clock: FakeClock) -> dict[str, Any]:
    clock.advance(LEAD)
    return await lefevre.deposited(PDF, **meta)


async def requested(lefevre: Caller, meta: dict[str, Any], clock: FakeClock) -> dict[str, Any]:
    """Announced before, confirmed now: the confirmation is the deposit."""
    upload = await request(lefevre, PDF, m={"typeCode": "11488-4", "classCode": "10",
                                            "title": "Examen", **meta})  # fmt: skip
    clock.advance(LEAD)
    async with httpx.AsyncClient() as s3:
        assert (await s3.put(upload["url"], content=PDF)).status_code == 200
    result = (await lefevre.data(CONFIRM, {"id": upload["documentId"]}))["confirmDocumentUpload"]
    assert result["__typename"] == "DocumentChange", result
    document: dict[str, Any] = result["document"]
    return document


async def replacement(lefevre: Caller, meta: dict[str, Any], clock: FakeClock) -> dict[str, Any]:
    """A new version, made now, of an on-time deposit of the same act made before."""
    first = await lefevre.deposited(PDF, **{**meta, "createdAt": clock.now().isoformat()})
    clock.advance(LEAD)
    return await lefevre.deposited(PDF, replaces=first["id"], **meta)


# (act metadata, deposit time, late, late by seconds)
CASES = {
    "same day": ({"createdAt": "2026-11-03T09:30:00+01:00"}, "2026-11-03T21:00:00+01:00", False, 0),
    "next day": ({"createdAt": "2026-11-03T09:30:00+01:00"}, "2026-11-04T09:30:00+01:00", True,
                 9 * H + 1800),
    # 23:30 -> 00:30 in Paris in winter: the same UTC day (22:30Z -> 23:30Z), still late
    "midnight Paris, winter": ({"createdAt": "2026-11-03T23:30:00+01:00"},
                               "2026-11-04T00:30:00+01:00", True, 1800),
    # the night DST ends (25 October 2026, 03:00 CEST -> 02:00 CET): midnight is still CEST
    "midnight Paris, DST ends": ({"createdAt": "2026-10-24T23:30:00+02:00"},
                                 "2026-10-25T00:30:00+02:00", True, 1800),
    # the night DST starts (29 March 2026): midnight is still CET
    "midnight Paris, DST starts": ({"createdAt": "2026-03-28T23:30:00+01:00"},
                                   "2026-03-29T00:30:00+01:00", True, 1800),
    # a 25-hour Paris day: 01:00 CEST to 23:30 CET is the same day (two UTC dates)
    "long day, DST ends": ({"createdAt": "2026-10-25T01:00:00+02:00"},
                           "2026-10-25T23:30:00+01:00", False, 0),
    # a stay: the discharge is the act's end, not the admission
    "stay, at discharge": ({"createdAt": "2026-11-01T09:00:00+01:00",
                            "serviceStart": "2026-11-01T09:00:00+01:00",
                            "serviceStop": "2026-11-05T11:00:00+01:00"},
                           "2026-11-05T17:00:00+01:00", False, 0),
    "stay, day after discharge": ({"createdAt": "2026-11-01T09:00:00+01:00",
                                   "serviceStart": "2026-11-01T09:00:00+01:00",
                                   "serviceStop": "2026-11-05T11:00:00+01:00"},
                                  "2026-11-06T09:00:00+01:00", True, 9 * H),
    # an act dated a little ahead (within the accepted clock skew): on time
    "act slightly ahead": ({"createdAt": "2026-11-03T10:03:00+01:00"},
                           "2026-11-03T10:00:00+01:00", False, 0),
}  # fmt: skip
PATHS = {"direct deposit": direct, "requested upload": requested, "replacement": replacement}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", CASES)
async def test_a_late_deposit_is_accepted_and_said_late_on_the_answer_and_the_document(
    make: TokenFactory, http: httpx.AsyncClient, clock: FakeClock, case: str, path: str
) -> None:
    meta, deposited_at, late, late_by = CASES[case]
    clock.current = utc(deposited_at) - LEAD  # each path moves the clock to the deposit
    lefevre = await professional(make, http)
    answer = await PATHS[path](lefevre, meta, clock)
    assert (answer["late"], answer["lateBySeconds"]) == (late, late_by)
    assert utc(answer["depositedAt"]) == utc(deposited_at)
    act = meta.get("serviceStop", meta["createdAt"])
    assert utc(answer["actDate"]) == utc(act)
    read = (await (await patient(make, http)).data(READ, {"id": answer["id"]}))["document"]
    assert (read["late"], read["lateBySeconds"], read["actDate"]) == (
        late, late_by, answer["actDate"],
    )  # fmt: skip


async def test_a_patients_own_document_has_no_lateness(
    make: TokenFactory, http: httpx.AsyncClient
) -> None:
    camille = await patient(make, http)
    mine = await camille.deposited(PDF, createdAt="2026-10-01T09:00:00+02:00")
    assert (mine["late"], mine["lateBySeconds"]) == (None, None)


FIGURES = "count late shareLate medianDelaySeconds p90DelaySeconds"
PERIOD = {"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
MINE = f"query($from: DateTime!, $to: DateTime!) {{ myDepositFigures(from: $from, to: $to) {{ {FIGURES} }} }}"  # noqa: E501
NATION = f"query($from: DateTime!, $to: DateTime!) {{ nationalDepositFigures(from: $from, to: $to) {{ {FIGURES} }} }}"  # noqa: E501
PLACE = (
    "query($f: String!, $from: DateTime!, $to: DateTime!) "
    f"{{ establishmentDepositFigures(finess: $f, from: $from, to: $to) {{ {FIGURES} }} }}"
)
LATE_LIST = """
query($from: DateTime!, $to: DateTime!, $first: Int, $after: String) {
  myLateDeposits(from: $from, to: $to, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { documentId type { code } actDate depositedAt lateBySeconds } }
  }
}
"""
ACT = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)  # 09:00 in Paris; the day ends at 23:00Z


async def deposits(make: TokenFactory, http: httpx.AsyncClient, clock: FakeClock) -> list[str]:
    """Dr Lefèvre: five deposits of one act, 1, 2 and 3 hours after (on time), 30 and 50 hours
    after (late by 15 and 35 hours); Dr Benali (another establishment): one, 40 hours after;
    Camille: one of her own (not counted). Returns Lefèvre's late ones, latest first."""
    await add_to_care_team(await patient(make, http, "profile:write"), BENALI)
    late: list[str] = []
    made = [(hours, PROFESSIONAL_RPPS) for hours in (1, 2, 3, 30, 50)] + [(40, BENALI_RPPS)]
    for hours, rpps in made:
        clock.current = ACT + timedelta(hours=hours)
        done = await (await professional(make, http, rpps)).deposited(
            PDF, createdAt=ACT.isoformat()
        )
        if rpps == PROFESSIONAL_RPPS and done["late"]:
            late.insert(0, done["id"])
    await (await patient(make, http)).deposited(PDF, createdAt=ACT.isoformat())
    return late


async def test_the_figures_over_a_period_and_the_own_late_list(
    make: TokenFactory, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    late_ids = await deposits(make, http, clock)
    lefevre = await professional(make, http)
    mine = (await lefevre.data(MINE, PERIOD))["myDepositFigures"]
    # nearest rank: the 3rd of 5 delays is the median, the 5th the 90th percentile
    assert mine == {"count": 5, "late": 2, "shareLate": 0.4, "medianDelaySeconds": 3 * H,
                    "p90DelaySeconds": 50 * H}  # fmt: skip
    admin = Caller(http, await make(ActorKind.OPERATOR, None, "admin"))
    nation = (await admin.data(NATION, PERIOD))["nationalDepositFigures"]
    assert (nation["count"], nation["late"], nation["medianDelaySeconds"]) == (6, 3, 3 * H)
    benali = await admin.data(PLACE, {**PERIOD, "f": BENALI_FINESS})
    assert benali["establishmentDepositFigures"]["count"] == 1
    outside = {"from": "2026-11-06T00:00:00Z", "to": "2026-11-07T00:00:00Z"}
    assert (await lefevre.data(MINE, outside))["myDepositFigures"] == {
        "count": 0, "late": 0, "shareLate": None, "medianDelaySeconds": None,
        "p90DelaySeconds": None,
    }  # fmt: skip

    first = (await lefevre.data(LATE_LIST, {**PERIOD, "first": 1}))["myLateDeposits"]
    assert first["totalCount"] == 2
    after = first["pageInfo"]["endCursor"]
    second = await lefevre.data(LATE_LIST, {**PERIOD, "first": 1, "after": after})
    pages = [first, second["myLateDeposits"]]
    assert [p["edges"][0]["node"]["documentId"] for p in pages] == late_ids
    assert [p["edges"][0]["node"]["lateBySeconds"] for p in pages] == [35 * H, 15 * H]
    assert pages[1]["pageInfo"]["hasNextPage"] is False


async def test_a_period_is_checked(make: TokenFactory, http: httpx.AsyncClient) -> None:
    lefevre = await professional(make, http)
    for period in ({"from": PERIOD["to"], "to": PERIOD["from"]},
                   {"from": "2025-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}):  # fmt: skip
        errors = (await lefevre.post(MINE, period))["errors"]
        assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "to"}


async def callers(app: Starlette, make: TokenFactory, http: httpx.AsyncClient) -> dict[str, Caller]:
    return {
        "professional (Lefèvre)": await professional(make, http),
        "operator (admin)": Caller(http, await make(ActorKind.OPERATOR, None, "admin")),
        "operator (provisioning)": Caller(
            http, await make(ActorKind.OPERATOR, None, "provisioning")
        ),
        "patient": await patient(make, http),
        "app": await app_caller(app, http, CAMILLE, "app A", "app-a-client"),
        "nobody": Nobody(http, ""),
    }


OK, FORBIDDEN, NOT_FOUND, ANONYMOUS = "ok", "FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"
QUERIES = {
    "mine": (MINE, {}),
    "own establishment": (PLACE, {"f": LEFEVRE_FINESS}),
    "other establishment": (PLACE, {"f": BENALI_FINESS}),
    "nation": (NATION, {}),
    "own late list": (LATE_LIST, {}),
}
# caller: what each query answers, in the order of QUERIES
VISIBILITY = {
    "professional (Lefèvre)": (OK, OK, NOT_FOUND, FORBIDDEN, OK),
    "operator (admin)": (FORBIDDEN, OK, OK, OK, FORBIDDEN),
    "operator (provisioning)": (FORBIDDEN,) * 5,
    "patient": (FORBIDDEN,) * 5,
    "app": (FORBIDDEN,) * 5,
    "nobody": (ANONYMOUS,) * 5,
}


async def test_who_sees_which_figures(
    app: Starlette, make: TokenFactory, http: httpx.AsyncClient
) -> None:
    every = await callers(app, make, http)
    seen: dict[str, tuple[str, ...]] = {}
    for name, caller in every.items():
        answers = []
        for query, variables in QUERIES.values():
            body = await caller.post(query, {**PERIOD, **variables})
            errors = body.get("errors")
            answers.append(errors[0]["extensions"]["code"] if errors else OK)
        seen[name] = tuple(answers)
    assert seen == VISIBILITY


async def test_a_malformed_finess_is_refused(make: TokenFactory, http: httpx.AsyncClient) -> None:
    admin = Caller(http, await make(ActorKind.OPERATOR, None, "admin"))
    wrong_key = LEFEVRE_FINESS[:8] + str((int(LEFEVRE_FINESS[8]) + 1) % 10)
    for finess in (wrong_key, "4400000", "44000001A"):
        errors = (await admin.post(PLACE, {**PERIOD, "f": finess}))["errors"]
        assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "finess"}
