"""Anonymous paths tell nobody who has a space, and let nobody lock a person out (issue 16, item 7).

The table: {an INS with a space, one without} x {objectToSpace over GraphQL, the sign-in form}
x {a first wrong attempt, an attempt after the source failed its budget, an attempt from another
source}. In each state the answer (status, code, message) is the same with or without a space;
the source that failed is stopped whoever it asks for; from another source the holder still gets
in. Then the time: median times over interleaved requests, with and without an account, as a
ratio with a generous margin (never an absolute time).
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from resolvers.core import guessing
from resolvers.demo.seed import DEMO_PATIENT_PASSWORD
from resolvers.spaces.lifecycle import notice
from tests.oauth_support import PATIENT_INS, Browser
from tests.spaces_support import Outbox, make_patient, send_notice
from tests.support import FakeClock
from tests.tokens import seed

NOBODY_INS = "255081416802538"  # a well-formed INS nobody has
WRONG_CODE = "AAAAA-AAAAA"
OBJECT = """mutation($ins: String!, $code: String!) { objectToSpace(input: {ins: $ins,
  objectionCode: $code}) { __typename ... on SpaceChange { status }
  ... on SpaceError { code message field } } }"""
_addresses = count(1)


def new_address() -> str:
    """A source nobody used yet (TEST-NET-3 addresses)."""
    index = next(_addresses)
    return f"203.0.{113 + index // 250}.{index % 250 + 1}"


@asynccontextmanager
async def from_address(app: Starlette, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


Answer = tuple[int, object]  # the status, and what the answer says (the body, or the message)


@dataclass
class Path:
    """One anonymous path: how to try a secret for an INS from an address."""

    name: str
    budget: int  # failures a source may make
    attempt: Callable[[Starlette, str, str, str], Awaitable[Answer]]
    success: Callable[[Answer], bool]


async def object_to_space(app: Starlette, address: str, ins: str, secret: str) -> Answer:
    async with from_address(app, address) as http:
        answer = await http.post(
            "/graphql", json={"query": OBJECT, "variables": {"ins": ins, "code": secret}}
        )
    return answer.status_code, answer.json()


async def sign_in(app: Starlette, address: str, ins: str, secret: str) -> Answer:
    browser = Browser("http://testserver")
    await browser.http.aclose()
    async with from_address(app, address) as http:
        browser.http = http
        answer = await browser.sign_in("patient", ins, secret)
    if answer.status_code == 303:
        return answer.status_code, answer.headers.get("location")
    said = re.search(r'role="alert">\s*<p>([^<]*)</p>', answer.text)
    assert said, "a refused sign-in says why in its alert"  # or the table compares nothing
    return answer.status_code, said.group(1)


def objected(answer: Answer) -> bool:
    body = answer[1]
    return isinstance(body, dict) and body["data"]["objectToSpace"].get("status") == "OBJECTED"


def signed_in(answer: Answer) -> bool:
    return answer[0] == 303


PATHS = [
    Path("objectToSpace", guessing.CODES.per_source, object_to_space, objected),
    Path("sign-in form", guessing.LOGIN.per_source, sign_in, signed_in),
]


@pytest.fixture
async def holders(app: Starlette) -> dict[str, tuple[str, str]]:
    """For each path, the INS of someone who has a space and the right secret."""
    await seed(app)
    stores = app.state.services.running.stores
    clock = FakeClock(datetime.now(UTC))
    pending = await make_patient(stores, clock, 1, notices=[notice("provisioning-notice")])
    code = await send_notice(stores, clock, Outbox(), pending)
    return {
        "objectToSpace": (pending["ins"]["matricule"], code),
        "sign-in form": (PATIENT_INS, DEMO_PATIENT_PASSWORD),
    }


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
async def test_the_answer_is_the_same_with_or_without_a_space_and_nobody_is_locked_out(
    app: Starlette, holders: dict[str, tuple[str, str]], path: Path
) -> None:
    holder_ins, secret = holders[path.name]
    answers: dict[str, list[Answer]] = {}
    for who, ins in (("with a space", holder_ins), ("without", NOBODY_INS)):
        attacker, elsewhere = new_address(), new_address()
        first = await path.attempt(app, attacker, ins, WRONG_CODE + "x")
        for _ in range(path.budget - 1):
            assert await path.attempt(app, attacker, ins, WRONG_CODE + "x") == first
        # past its budget the source is stopped, even with the right secret
        stopped = await path.attempt(app, attacker, ins, secret)
        other = await path.attempt(app, elsewhere, ins, WRONG_CODE + "x")
        answers[who] = [first, stopped, other]
    with_space, without = answers["with a space"], answers["without"]
    assert with_space == without  # state by state: status, code, message
    first, stopped, other = with_space
    assert other == first  # another source is not stopped
    assert stopped != first
    assert stopped[0] == first[0]
    # the holder, from her own device, gets in (slowed down, never locked out)
    assert path.success(await path.attempt(app, new_address(), holder_ins, secret))


def ratio(with_account: list[float], without: list[float]) -> float:
    return statistics.median(with_account) / statistics.median(without)


async def timed(path: Path, app: Starlette, address: str, ins: str) -> float:
    started = time.perf_counter()
    await path.attempt(app, address, ins, WRONG_CODE + "x")
    return time.perf_counter() - started


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
async def test_with_or_without_an_account_the_answers_take_as_long(
    app: Starlette, holders: dict[str, tuple[str, str]], path: Path
) -> None:
    holder_ins, _ = holders[path.name]
    # first attempts, each from a fresh source (no account is slowed down yet: at most
    # ``free_per_account`` failures each), interleaved
    fresh: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(guessing.CODES.free_per_account):
        fresh["with"].append(await timed(path, app, new_address(), holder_ins))
        fresh["without"].append(await timed(path, app, new_address(), NOBODY_INS))
    assert 0.5 <= ratio(fresh["with"], fresh["without"]) <= 2.0
    # a stopped source: once took 6 ms for an account against 700 ms for none
    stopped = new_address()
    for _ in range(path.budget):
        await path.attempt(app, stopped, NOBODY_INS, WRONG_CODE + "x")
    late: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(11):
        late["with"].append(await timed(path, app, stopped, holder_ins))
        late["without"].append(await timed(path, app, stopped, NOBODY_INS))
    assert 0.5 <= ratio(late["with"], late["without"]) <= 2.0


async def test_replicas_share_the_count_of_a_sources_failures(settings: Settings) -> None:
    """The counters are MongoDB's: failing on one replica counts on the other."""
    first, second = create_app(settings), create_app(settings)
    async with (
        first.router.lifespan_context(first),
        second.router.lifespan_context(second),
    ):
        attacker = new_address()
        answers = [
            await object_to_space(replica, attacker, NOBODY_INS, WRONG_CODE)
            for replica in [first, second] * guessing.CODES.per_source
        ]
    codes = [body["data"]["objectToSpace"]["code"] for _, body in answers]  # type: ignore[index]
    budget = guessing.CODES.per_source
    assert codes == ["INVALID_CODE"] * budget + ["CODES_LOCKED"] * budget
