"""Only whoever set a protection lifts it (or the holder, whose record it is): protection ×
setter × every actor, through the mutation that shows a record again — for documents
(hidden from professionals, from representatives) and agenda events (hidden from professionals,
``changeAgendaEvent(... hiddenFromProfessionals: false)`` by its author included). Each attempt
is made on a freshly protected record; the state is read back from the database, and a refused
lift leaves the protection whole. The author's other way, a new version without the flag, is
the transitions table's (test_protection_transitions.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from starlette.applications import Starlette

from tests.api.actors_support import ACTORS, World, deposit_meta, world
from tests.api.agenda_support import ADD, CHANGE, event

START = "2026-12-24T10:00:00+01:00"


@dataclass(frozen=True)
class Row:
    record: str  # document or agenda event
    flag: str  # the mutation (documents) or the input field (agenda) that lifts it
    author: str  # who wrote the record
    setter: str  # who protected it ("at deposit": its author, with the deposit)
    lifters: frozenset[str]  # who may lift it


def _row(record: str, flag: str, author: str, setter: str, *lifters: str) -> Row:
    return Row(record, flag, author, setter, frozenset(lifters))


PROFESSIONALS = "hideDocumentFromProfessionals"
REPRESENTATIVES = "hideDocumentFromRepresentatives"
ROWS = [
    _row("document", PROFESSIONALS, "primary physician", "patient", "patient"),
    _row("document", PROFESSIONALS, "primary physician", "representative", "patient",
         "representative"),
    _row("document", PROFESSIONALS, "app A", "at deposit", "patient"),  # apps don't show
    _row("document", REPRESENTATIVES, "primary physician", "patient", "patient"),
    _row("document", REPRESENTATIVES, "primary physician", "at deposit", "patient",
         "primary physician"),
    _row("document", REPRESENTATIVES, "app A", "at deposit", "patient", "app A"),
    _row("agenda event", "hiddenFromProfessionals", "nurse", "patient", "patient"),
    _row("agenda event", "hiddenFromProfessionals", "nurse", "representative", "patient",
         "representative"),
    _row("agenda event", "hiddenFromProfessionals", "app A", "patient", "patient"),
    _row("agenda event", "hiddenFromProfessionals", "patient", "representative", "patient",
         "representative"),
]  # fmt: skip
FLAG_FIELD = {
    PROFESSIONALS: "hidden_from_professionals",
    REPRESENTATIVES: "hidden_from_representatives",
}


async def _protected_document(w: World, row: Row) -> str:
    at_deposit = row.setter == "at deposit"
    flag = "hiddenFromProfessionals" if row.flag == PROFESSIONALS else "hiddenFromRepresentatives"
    doc = await w[row.author].deposited(
        patient_id=w.patient_id,
        **deposit_meta(
            createdAt=datetime.now(UTC).isoformat(), **({flag: True} if at_deposit else {})
        ),
    )
    if not at_deposit:
        hidden = await w[row.setter].mutate(
            row.flag,
            "documentId: $documentId, hidden: $hidden",
            {"documentId": doc["id"], "hidden": True},
        )
        assert hidden["__typename"] == "DocumentChange", (row, hidden)
    return str(doc["id"])


async def _protected_event(w: World, row: Row) -> str:
    added = (await w[row.author].data(ADD, {"p": w.patient_id, "i": event(start=START)}))[
        "addAgendaEvent"
    ]
    assert added["__typename"] == "AgendaEventChange", added
    hidden = await w[row.setter].data(
        CHANGE, {"e": added["event"]["id"], "i": event(start=START, hiddenFromProfessionals=True)}
    )
    assert hidden["changeAgendaEvent"]["__typename"] == "AgendaEventChange", (row, hidden)
    return str(added["event"]["id"])


async def _still_protected(w: World, row: Row, record_id: str) -> bool:
    if row.record == "document":
        doc = await w.stores.documents.get(record_id)
        assert doc is not None
        return bool(doc[FLAG_FIELD[row.flag]])  # type: ignore[literal-required]
    found = await w.stores.agenda_events.get(record_id)
    assert found is not None
    return bool(found["hidden_from_professionals"])


async def _lift(w: World, row: Row, lifter: str, record_id: str) -> None:
    caller = w[lifter]
    if row.record == "document":
        await caller.post(
            f"mutation($d: ID!) {{ {row.flag}(documentId: $d, hidden: false) {{ __typename }} }}",
            {"d": record_id},
        )
    else:  # the whole event, unchanged but for the flag (what an author's edit sends)
        await caller.post(
            CHANGE, {"e": record_id, "i": event(start=START, hiddenFromProfessionals=False)}
        )


async def test_only_the_setter_or_the_holder_lifts_a_protection(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    w = await world(app, http)
    failures, cases = [], 0
    for row in ROWS:
        for lifter in ACTORS:
            record_id = await (
                _protected_document if row.record == "document" else _protected_event
            )(w, row)
            await _lift(w, row, lifter, record_id)
            cases += 1
            if await _still_protected(w, row, record_id) == (lifter in row.lifters):
                failures.append((row.record, row.flag, row.author, row.setter, lifter))
    assert cases == len(ROWS) * len(ACTORS)
    assert not failures, failures
