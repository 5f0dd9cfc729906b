"""Schemathesis, in GraphQL mode, against the running API (``espace-sante serve`` on loopback).

Schemathesis reads the schema by introspection (as an authenticated client: the process runs
with ``STACK=external``, where introspection is for token holders only) and generates, for every
query and mutation, documents with arguments drawn from their types: strings of any unicode,
huge and negative numbers, empty lists, ids that do not exist. Each is sent as a patient, a
professional and an operator holding every scope their kind may have, and as nobody.

What must hold for every answer, whatever was sent:

- no 5xx, and a JSON object for a body (schemathesis's own response validation, which also
  catches a ``null`` in a non-null field: a response that breaks the schema);
- no error coded ``INTERNAL_SERVER_ERROR`` (a bug, even masked) or ``SERVICE_UNAVAILABLE``;
- every error carries a code, and that code is one ``docs/errors.md`` documents (so nothing
  unmasked, nothing a client could not branch on).

Bounded in time for CI: ``FUZZ_EXAMPLES`` examples per operation (default 12) and a budget of
``FUZZ_BUDGET_SECONDS`` (default 150) after which remaining operations get a single example.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pymongo import MongoClient
from schemathesis.core.failures import Failure
from schemathesis.core.result import Ok
from schemathesis.graphql import nodes

from api.settings import Settings
from resolvers.access.scopes import SCOPES
from resolvers.core.actors import ActorKind
from tests.live import api_process, mint, seed

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "150"))
ROOT = Path(__file__).resolve().parents[2]
CAMILLE_INS = "285034410912329"
LEFEVRE_RPPS = "10001234565"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(BUDGET_SECONDS + 240)]


def documented_codes() -> set[str]:
    """Every code ``docs/errors.md`` lists in its tables (first column, in backticks)."""
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([A-Z_]+)` \|", text, re.MULTILINE)) | set(
        re.findall(r"^\| \d{3} \| `([A-Z_]+)` \|", text, re.MULTILINE)
    )


def scopes_of(kind: ActorKind) -> str:
    return " ".join(scope.name for scope in SCOPES if kind in scope.kinds)


# Ids of these collections are mixed into the generated ``ID`` arguments, so that mutations
# reach real records (a random string only ever meets NOT_FOUND).
ID_SOURCES = (
    "patients",
    "professionals",
    "documents",
    "conversations",
    "messages",
    "profile_entries",
    "measurements",
    "agenda_events",
    "catalogue_apps",
)
# Callers who hold scopes are drawn more often than the anonymous one (who meets
# UNAUTHENTICATED at the first protected field).
WEIGHTED_CALLERS = ("patient", "patient", "professional", "professional", "operator", "anonymous")


def known_ids(settings: Settings) -> list[str]:
    assert settings.mongodb_uri is not None
    client: MongoClient[dict[str, Any]] = MongoClient(settings.mongodb_uri.get_secret_value())
    with client:
        db = client[settings.mongodb_database]
        return sorted(
            str(doc["_id"]) for name in ID_SOURCES for doc in db[name].find({}, {"_id": 1}).limit(8)
        )


async def callers(settings: Settings) -> dict[str, dict[str, str]]:
    tokens = {
        "patient": await mint(
            settings, ActorKind.PATIENT, CAMILLE_INS, scopes_of(ActorKind.PATIENT)
        ),
        "professional": await mint(
            settings, ActorKind.PROFESSIONAL, LEFEVRE_RPPS, scopes_of(ActorKind.PROFESSIONAL)
        ),
        "operator": await mint(settings, ActorKind.OPERATOR, None, scopes_of(ActorKind.OPERATOR)),
    }
    headers = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    return {**headers, "anonymous": {}}


def problems(response: Any, codes: set[str]) -> list[str]:
    """What is wrong with one answer, beyond schemathesis's own validation."""
    if response.status_code >= 500:
        return [f"status {response.status_code}"]
    body = response.json()
    found = []
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code is None:
            found.append(f"error without a code: {error.get('message')!r}")
        elif code in {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"}:
            found.append(f"{code} (request {error['extensions'].get('requestId')})")
        elif code not in codes:
            found.append(f"undocumented code {code}: {error.get('message')!r}")
    return found


def test_fuzzed_operations_never_break_the_server(settings: Settings, tmp_path: Path) -> None:
    asyncio.run(seed(settings))
    headers = asyncio.run(callers(settings))
    ids = known_ids(settings)
    assert len(ids) > 20
    codes = documented_codes()
    log = tmp_path / "api.log"
    failures: list[str] = []
    # a file cannot travel in a JSON body: what a client may put there instead is a string
    schemathesis.graphql.scalar("Upload", st.text(max_size=40).map(nodes.String))
    schemathesis.graphql.scalar(
        "ID", st.one_of(st.sampled_from(ids), st.text(max_size=30)).map(nodes.String)
    )
    with api_process(settings, log=log) as url:
        schema = schemathesis.graphql.from_url(f"{url}/graphql", headers=headers["operator"])
        started = time.monotonic()
        operations = []
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result.err()
            operations.append(result.ok())
        assert len(operations) > 40  # every query and mutation field
        for operation in operations:
            over_budget = time.monotonic() - started > BUDGET_SECONDS
            fuzz_operation(
                operation, headers, codes, failures, examples=1 if over_budget else EXAMPLES
            )
    assert not failures, "\n".join(failures[:20]) + "\n" + log.read_text(errors="replace")[-4000:]


def fuzz_operation(
    operation: Any,
    headers: dict[str, dict[str, str]],
    codes: set[str],
    failures: list[str],
    *,
    examples: int,
) -> None:
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # failures are collected, not shrunk: the budget stays bounded
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), caller=st.sampled_from(WEIGHTED_CALLERS))
    def run(case: Any, caller: str) -> None:
        response = case.call(headers=headers[caller], timeout=30)
        found = problems(response, codes)
        try:
            operation.schema.validate_response(operation, response, case=case)
        except Failure as failure:
            found.append(f"{type(failure).__name__}: {failure.message}")
        failures.extend(
            f"{operation.label} as {caller}: {problem}\n  {case.body!r}"[:2000] for problem in found
        )

    run()
