"""Finding a patient by INS (issue 20, the DMP's TD0.2), through GraphQL on the real servers:
every space state x every standing of a professional, then the actor kinds and their scopes; an
unknown INS, an objected or deleted space and wrong traits answer alike, byte for byte; the
lookup is in the patient's history; malformed INS are typed input errors, looked up nowhere."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from storage.patients import PatientDoc
from tests.access_support import make_professional
from tests.api.access.test_existence_privacy import normalised
from tests.api.actors_support import every_scope
from tests.api.documents_support import Caller, stores_of
from tests.api.lookup_support import (
    FIND,
    STANDINGS,
    STATES,
    find_variables,
    relate,
    traits_of,
)
from tests.generators.beneficiaries import matricule
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import token_factory

OID_NIR = "1.2.250.1.213.1.4.8"
OPEN_STATES = {"open", "active"}
STATE_NAMES = {
    "provisioned": "NOT_YET_OPEN",
    "open": "OPEN",
    "active": "OPEN",
    "suspended": "SUSPENDED",
    "closed": "CLOSED",
}
GROUNDS = {
    "primary physician": "PRIMARY_PHYSICIAN",
    "care team": "CARE_TEAM",
    "consent": "CONSENT",
    "emergency": "EMERGENCY",
}
READ = "query($p: ID!) { patient(id: $p) { id } }"
NOTHING = {"found": False, "patientId": None, "spaceState": None, "standing": None,
           "nextActions": None}  # fmt: skip


def expected(state: str, standing: str, patient_id: str) -> dict[str, Any]:
    """The answer the rules give a professional holding every professional scope."""
    if state not in STATE_NAMES:
        return NOTHING
    ground = GROUNDS.get(standing) if state in OPEN_STATES else None
    if state not in OPEN_STATES:
        actions = []
    elif ground is None:  # a stranger, a blocked professional, an objected care team: alike
        actions = ["REQUEST_CONSENT", "DECLARE_EMERGENCY"]
    elif ground == "EMERGENCY":  # one is in course already
        actions = ["READ", "DEPOSIT"]
    else:
        actions = ["READ", "DEPOSIT", "DECLARE_EMERGENCY"]
    return {
        "found": True,
        "patientId": patient_id,
        "spaceState": STATE_NAMES[state],
        "standing": ground or "NO_ACCESS",
        "nextActions": actions,
    }


async def _find(caller: Caller, variables: dict[str, Any]) -> dict[str, Any]:
    return await caller.post(FIND, variables)


async def test_every_state_by_every_standing(app: Starlette, http: httpx.AsyncClient) -> None:
    """8 states (unknown included) x 7 standings = 56 lookups, each checked whole."""
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    make = token_factory(app)
    callers: dict[str, Caller] = {}
    pros: dict[str, str] = {}
    for offset, standing in enumerate(STANDINGS):
        pro = await make_professional(stores, clock.now(), 700 + offset, "10")
        pros[standing] = pro["_id"]
        token = await make(ActorKind.PROFESSIONAL, pro["rpps"], every_scope(ActorKind.PROFESSIONAL))
        callers[standing] = Caller(http, token)
    failures: list[tuple[str, str, object]] = []
    rows = 0
    for s_index, state in enumerate((*STATES, "unknown")):
        for p_index, standing in enumerate(STANDINGS):
            index = 100 + s_index * 10 + p_index
            if state == "unknown":
                ghost = await make_patient(stores, clock, index, "active")
                await stores.patients.delete(ghost["_id"])
                patient, patient_id = ghost, ghost["_id"]
            else:
                patient = await make_patient(stores, clock, index, "active")
                patient_id = patient["_id"]
                await relate(stores, clock.now(), patient, pros[standing], standing)
                await stores.patients.transition(
                    {"_id": patient_id}, {"space.status": state}, clock.now()
                )
            body = await _find(callers[standing], find_variables(patient))
            want = {"data": {"findPatient": expected(state, standing, patient_id)}}
            rows += 1
            if body != want:
                failures.append((state, standing, body))
            # READ is offered exactly when the rest of the API lets the professional read
            read = await callers[standing].post(READ, {"p": patient_id})
            readable = (read.get("data") or {}).get("patient") is not None
            if readable != ("READ" in (want["data"]["findPatient"]["nextActions"] or [])):
                failures.append((state, standing, "READ offered but not readable, or the reverse"))
    assert rows == 56
    assert not failures, "\n".join(map(str, failures))


async def test_actor_kinds_and_scopes(app: Starlette, http: httpx.AsyncClient) -> None:
    """Professional and operator with and without the scope; a patient and an app never."""
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    make = token_factory(app)
    patient = await make_patient(stores, clock, 11, "active")
    pro = await make_professional(stores, clock.now(), 711, "10")
    kinds = {
        "professional": (ActorKind.PROFESSIONAL, pro["rpps"], "patients:find"),
        "professional without the scope": (ActorKind.PROFESSIONAL, pro["rpps"], "documents:read"),
        "operator": (ActorKind.OPERATOR, None, "patients:find"),
        "operator without the scope": (ActorKind.OPERATOR, None, "admin"),
        "patient": (ActorKind.PATIENT, patient["ins"]["matricule"],
                    every_scope(ActorKind.PATIENT)),
    }  # fmt: skip
    answers = {}
    for name, (kind, login, scope) in kinds.items():
        answers[name] = await _find(
            Caller(http, await make(kind, login, scope)), find_variables(patient)
        )
    pid = patient["_id"]
    assert answers["professional"]["data"]["findPatient"] == {
        "found": True, "patientId": pid, "spaceState": "OPEN", "standing": "NO_ACCESS",
        "nextActions": ["REQUEST_CONSENT"],  # no emergency scope, no emergency offered
    }  # fmt: skip
    assert answers["operator"]["data"]["findPatient"] == {
        "found": True, "patientId": pid, "spaceState": "OPEN", "standing": None,
        "nextActions": None,
    }  # fmt: skip
    for name in ("professional without the scope", "operator without the scope", "patient"):
        codes = [e["extensions"]["code"] for e in answers[name]["errors"]]
        assert codes == ["INSUFFICIENT_SCOPE"], (name, answers[name])
        assert answers[name]["data"] == {"findPatient": None}
    with pytest.raises(Exception, match="not available"):  # an app's token cannot carry it
        await make(ActorKind.APP, patient["ins"]["matricule"], "patients:find")


async def _named_patient(app: Starlette, index: int) -> PatientDoc:
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    patient = await make_patient(stores, clock, index, "active", born=date(1975, 3, 9))
    identity = {
        "identity.birth_names": "Lefèvre-D'Arcy",
        "identity.first_names": ["Jean-Pierre", "Émile"],
        "identity.sex": "M",
    }
    await stores.patients.collection.update_one({"_id": patient["_id"]}, {"$set": identity})
    found = await stores.patients.get(patient["_id"])
    assert found is not None
    return found


TRAITS: list[tuple[str, dict[str, Any], bool]] = [
    ("exact", {}, True),
    ("upper case, no accents", {"birthNames": "LEFEVRE-D'ARCY",
                                "firstNames": ["JEAN-PIERRE", "EMILE"]}, True),
    ("lower case", {"birthNames": "lefèvre-d'arcy"}, True),
    ("typographic apostrophe", {"birthNames": "LEFEVRE-D\u2019ARCY"}, True),
    ("spaces around and doubled", {"birthNames": "  LEFEVRE-D'ARCY "}, True),
    ("first first name only", {"firstNames": ["JEAN-PIERRE"]}, True),
    ("first names as one list string", {"firstNames": ["JEAN-PIERRE EMILE"]}, True),
    ("birth place right", {"birthPlaceCode": "75056"}, True),
    ("hyphen for a space", {"birthNames": "LEFEVRE D'ARCY"}, False),
    ("apostrophe left out", {"birthNames": "LEFEVRE-DARCY"}, False),
    ("compound first name split", {"firstNames": ["JEAN PIERRE"]}, False),
    ("second first name first", {"firstNames": ["EMILE", "JEAN-PIERRE"]}, False),
    ("one letter off", {"birthNames": "LEFEVRE-D'ARCI"}, False),
    ("another birth date", {"birthDate": "1975-03-10"}, False),
    ("another sex", {"sex": "F"}, False),
    ("birth place wrong", {"birthPlaceCode": "69123"}, False),
]  # fmt: skip


async def test_traits_compare_as_the_ins_rules_say(app: Starlette, http: httpx.AsyncClient) -> None:
    """A table of traits against one record; a mismatch answers like an unknown INS, byte for
    byte (a fresh patient a row: no INS is slowed down by the failures of the others)."""
    make = token_factory(app)
    pro = await make_professional(stores_of(app), datetime.now(UTC), 720, "10")
    caller = Caller(http, await make(ActorKind.PROFESSIONAL, pro["rpps"], "patients:find"))
    ghost = await _named_patient(app, 299)
    await stores_of(app).patients.delete(ghost["_id"])
    unknown = normalised(await _find(caller, find_variables(ghost)))
    failures = []
    for row, (name, overrides, match) in enumerate(TRAITS):
        patient = await _named_patient(app, 300 + row)
        body = await _find(caller, find_variables(patient, **overrides))
        found = (body.get("data") or {}).get("findPatient", {}).get("found")
        if found is not match or (not match and normalised(body) != unknown):
            failures.append((name, body))
    assert not failures, failures


def _ins(**overrides: str) -> dict[str, str]:
    return {"matricule": matricule(5), "oid": OID_NIR, **overrides}


MALFORMED = [
    ("bad key", _ins(matricule=matricule(5)[:13] + "00"), "ins.matricule"),
    ("partial", _ins(matricule=matricule(5)[:13]), "ins.matricule"),
    ("wildcard", _ins(matricule=matricule(5)[:10] + "*"), "ins.matricule"),
    ("regex", _ins(matricule=".*"), "ins.matricule"),
    ("star", _ins(matricule="*"), "ins.matricule"),
    ("unknown OID", _ins(oid="1.2.250.1.213.1.4.99"), "ins.oid"),
    ("OID wildcard", _ins(oid="1.2.250.1.213.1.4.*"), "ins.oid"),
    ("a NIR under the NIA authority", _ins(oid="1.2.250.1.213.1.4.9"), "ins.oid"),
]


async def test_a_malformed_ins_is_an_input_error_looked_up_nowhere(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    make = token_factory(app)
    patient = await make_patient(stores, clock, 5, "active")
    pro = await make_professional(stores, clock.now(), 730, "10")
    caller = Caller(http, await make(ActorKind.PROFESSIONAL, pro["rpps"], "patients:find"))
    for name, ins, field in MALFORMED:
        body = await caller.post(FIND, {"ins": ins, "traits": traits_of(patient)})
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", name
        assert error["extensions"]["field"] == field, name
    assert await stores.access_events.count({}) == 0  # nothing looked up, nothing traced
    assert await stores.rate_windows.count({"_id": {"$regex": "^fail:find"}}) == 0
    test_oid = await caller.post(
        FIND, {"ins": _ins(oid="1.2.250.1.213.1.4.10"), "traits": traits_of(patient)}
    )
    assert test_oid["data"]["findPatient"]["found"] is False  # well-formed: looked up


async def test_no_emergency_is_offered_once_the_patient_objected_to_it(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    """As declareEmergencyAccess would refuse it; for a stranger and a blocked professional
    alike (the block still reads as no relationship)."""
    stores, clock = stores_of(app), FakeClock(datetime.now(UTC))
    make = token_factory(app)
    answers = {}
    for offset, standing in enumerate(("stranger", "blocked", "care team")):
        patient = await make_patient(stores, clock, 40 + offset, "active")
        changes = {"space.emergency_objected_at": clock.now()}
        await stores.patients.transition({"_id": patient["_id"]}, changes, clock.now())
        pro = await make_professional(stores, clock.now(), 740 + offset, "10")
        await relate(stores, clock.now(), patient, pro["_id"], standing)
        token = await make(ActorKind.PROFESSIONAL, pro["rpps"], every_scope(ActorKind.PROFESSIONAL))
        found = (await Caller(http, token).data(FIND, find_variables(patient)))["findPatient"]
        answers[standing] = (found["standing"], found["nextActions"])
    assert answers == {
        "stranger": ("NO_ACCESS", ["REQUEST_CONSENT"]),
        "blocked": ("NO_ACCESS", ["REQUEST_CONSENT"]),
        "care team": ("CARE_TEAM", ["READ", "DEPOSIT"]),
    }
