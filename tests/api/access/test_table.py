"""The access policy, row by row: profession × document type × hidden × blocked × care team or
consent (or neither) × emergency. For each row, one patient with one document written by
someone else; the test checks the policy's decision, what GraphQL answers for the document, and
the ``totalCount`` of the patient's documents — all three against the rule in plain words."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from resolvers.access.matrix import load_matrix
from resolvers.access.policy import document_decision, standing_of
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import SystemClock
from tests.access_support import link_to_care_team, make_document, make_professional, open_emergency
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import token_factory

MATRIX = load_matrix()
TYPES = ("57833-6", "11488-4", "68599-0")  # prescription, consultation note, psychology report
RELATIONS = ("care team", "consent", "none")
QUERY = """
query($p: ID!, $d: ID!) {
  document(id: $d) { id }
  patient(id: $p) { documents { totalCount } }
}
"""


@dataclass(frozen=True)
class Row:
    type_code: str
    hidden: bool
    blocked: bool
    relation: str
    emergency: bool

    def may_read(self, profession: str) -> tuple[bool, bool]:
        """(reaches the patient, reads the document), as the rules say it."""
        reaches = not self.blocked and (self.relation != "none" or self.emergency)
        reads = (
            reaches
            and MATRIX.may_read(profession, self.type_code)
            and (not self.hidden or self.emergency)
        )
        return reaches, reads


ROWS = [
    Row(type_code, hidden, blocked, relation, emergency)
    for type_code, hidden, blocked, relation, emergency in itertools.product(
        TYPES, (False, True), (False, True), RELATIONS, (False, True)
    )
]


@pytest.mark.parametrize("profession", ["10", "21", "70"])  # physician, pharmacist, physio
async def test_every_row_of_the_access_table(
    app: Starlette, http: httpx.AsyncClient, profession: str
) -> None:
    stores = app.state.services.running.stores
    clock = FakeClock(datetime.now(UTC))
    now = clock.now()
    reader = await make_professional(stores, now, 1, profession)
    author = await make_professional(stores, now, 2, "10")
    token = await token_factory(app)(ActorKind.PROFESSIONAL, reader["rpps"], "documents:read")
    actor = Actor(
        ActorKind.PROFESSIONAL, reader["_id"], "test", frozenset(), None, reader["rpps"], profession
    )
    failures = []
    for index, row in enumerate(ROWS, start=10):
        patient = await make_patient(stores, clock, index, "active")
        doc = await make_document(
            stores, now, patient["_id"], author,
            type_code=row.type_code, hidden_from_professionals=row.hidden,
        )  # fmt: skip
        if row.relation == "care team":
            await link_to_care_team(stores, now, patient["_id"], reader["_id"])
        choices = {"consent": row.relation == "consent", "blocked": row.blocked}
        if any(choices.values()):
            await stores.authorisations.choose(patient["_id"], reader["_id"], choices, now)
        if row.emergency:
            await open_emergency(stores, now, patient["_id"], reader["_id"])
        reaches, reads = row.may_read(profession)

        standing = await standing_of(stores, SystemClock(), actor, patient)
        decided = document_decision(standing, actor, MATRIX, doc).allowed
        answer = (
            await http.post(
                "/graphql",
                json={"query": QUERY, "variables": {"p": patient["_id"], "d": doc["_id"]}},
                headers={"authorization": f"Bearer {token}"},
            )
        ).json()
        data = answer.get("data") or {}
        got_document = (data.get("document") or {}).get("id") == doc["_id"]
        patient_data = data.get("patient")
        total = patient_data["documents"]["totalCount"] if patient_data else None
        expected_total = (1 if reads else 0) if reaches else None
        seen = (standing.allowed, decided, got_document, total)
        if seen != (reaches, reads, reads, expected_total):
            failures.append((row, seen))
    assert not failures, failures
