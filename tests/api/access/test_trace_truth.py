"""The access history tells the truth: every mutation (enumerated from the schema: a new one
without a row fails) × every actor, and the traces the attempt left on the patient's record
agree with the answer it got — a success is traced ``allowed`` (and nothing ``denied``), a
refusal is traced ``denied`` (and nothing ``allowed``), whatever refused it: the access policy,
a rule on who may do what, the input or the record's state. Attempts by an actor who reaches no
patient (no token, a scope missing) leave no trace: nobody's data was touched.

Every attempt runs on fresh records, and what a success changed in the patient's space,
authorisations, representations, emergency accesses and pairings is put back after it, so that
each row meets the same world."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from schema import SchemaLimits, build_schema
from tests.api.actors_support import ACTORS, World, deposit_meta, world
from tests.api.agenda_support import event
from tests.api.documents_support import PDF, Caller, metadata, sha256

START = "2026-12-24T10:00:00+01:00"
NO_PATIENT = "no patient's data"  # operator and anonymous work: nothing to trace on a patient
Variables = Callable[[World], Awaitable[dict[str, Any]]]


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def _doc(w: World, **meta: Any) -> str:
    doc = await w["primary physician"].deposited(
        patient_id=w.patient_id, **deposit_meta(createdAt=_now(), **meta)
    )
    return str(doc["id"])


async def _event(w: World) -> str:
    body = await w["nurse"].data(
        "mutation($p: ID!, $i: AgendaEventInput!) { addAgendaEvent(patientId: $p, input: $i) "
        "{ ... on AgendaEventChange { event { id } } } }",
        {"p": w.patient_id, "i": event(start=START)},
    )
    return str(body["addAgendaEvent"]["event"]["id"])


async def _entry(w: World) -> str:
    body = await w["patient"].data(
        "mutation($p: ID!) { addProfileEntry(patientId: $p, entry: {allergy: {substance: "
        '"pollen"}}) { ... on ProfileEntryChange { entry { id } } } }',
        {"p": w.patient_id},
    )
    return str(body["addProfileEntry"]["entry"]["id"])


async def _measurement(w: World) -> str:
    body = await w["patient"].data(
        "mutation($p: ID!, $i: MeasurementInput!) { recordMeasurement(patientId: $p, input: $i)"
        " { ... on MeasurementRecorded { measurement { id } } } }",
        {"p": w.patient_id, "i": {"code": "29463-7", "unit": "kg", "value": 40.0,
                                  "measuredAt": _now()}},
    )  # fmt: skip
    return str(body["recordMeasurement"]["measurement"]["id"])


async def _conversation(w: World) -> str:
    body = await w["primary physician"].data(
        "mutation($i: StartConversationInput!) { startConversation(input: $i) "
        "{ ... on MessageSent { conversation { id } } } }",
        {"i": {"patientId": w.patient_id, "subject": "Suivi", "body": "Bonjour"}},
    )
    return str(body["startConversation"]["conversation"]["id"])


async def _pending_upload(w: World) -> str:
    body = await w["primary physician"].data(
        "mutation($p: ID!, $m: DocumentMetadataInput!, $s: Float!, $h: String!) { "
        'requestDocumentUpload(patientId: $p, metadata: $m, contentType: "application/pdf", '
        "size: $s, sha256: $h) { ... on DocumentUpload { documentId } } }",
        {"p": w.patient_id, "m": metadata(**deposit_meta(createdAt=_now())), "s": len(PDF),
         "h": sha256(PDF)},
    )  # fmt: skip
    return str(body["requestDocumentUpload"]["documentId"])


def _p(**more: Any) -> Variables:
    async def build(w: World) -> dict[str, Any]:
        return {"patientId": w.patient_id, **more}

    return build


def _with(name: str, make: Callable[[World], Awaitable[str]], **more: Any) -> Variables:
    async def build(w: World) -> dict[str, Any]:
        return {name: await make(w), **more}

    return build


def _fixed(**values: Any) -> Variables:
    async def build(w: World) -> dict[str, Any]:
        return dict(values)

    return build


async def _pairing(w: World) -> dict[str, Any]:
    pairings = await w.stores.pairings.of_patient(w.patient_id)
    return {"patientId": w.patient_id, "pairingId": pairings[0]["_id"]}


async def _deposit_vars(w: World) -> dict[str, Any]:
    return {"patientId": w.patient_id, "metadata": metadata(**deposit_meta(createdAt=_now()))}


async def _representative(w: World) -> dict[str, Any]:
    return {"patientId": w.patient_id, "representativeIns": "285034410912329", "relation": "x"}


async def _profile_update(w: World) -> dict[str, Any]:
    return {"patientId": w.patient_id, "entryId": await _entry(w),
            "entry": {"allergy": {"substance": "acariens"}}}  # fmt: skip


async def _profile_removal(w: World) -> dict[str, Any]:
    return {"patientId": w.patient_id, "entryId": await _entry(w)}


async def _measurement_removal(w: World) -> dict[str, Any]:
    return {"patientId": w.patient_id, "measurementId": await _measurement(w)}


async def _held_back(w: World) -> dict[str, Any]:
    return {"documentId": await _doc(w, hiddenFromPatient=True)}


async def _message(w: World) -> dict[str, Any]:
    return {"input": {"conversationId": await _conversation(w), "body": "Merci"}}


async def _held_back_attached(w: World) -> dict[str, Any]:
    held = await _doc(w, hiddenFromPatient=True)
    return {"input": {"patientId": w.patient_id, "subject": "Résultat", "body": "Ci-joint",
                      "attachmentIds": [held]}}  # fmt: skip


async def _professional(w: World) -> dict[str, Any]:
    return {"patientId": w.patient_id, "professionalId": w.professionals["nurse"]["_id"],
            "seesHiddenDocuments": False}  # fmt: skip


async def _grant(w: World) -> dict[str, Any]:
    return {"professionalId": w.professionals["nurse"]["_id"], "granted": False}


# mutation → the variables of an attempt on the patient's data (NO_PATIENT: none to trace)
ROWS: dict[str, Variables | str] = {
    "objectToSpace": NO_PATIENT,  # anonymous: the sign-up path, another table's
    "activateSpace": NO_PATIENT,
    "requestActivationCode": NO_PATIENT,
    "requestProvisioningUpload": NO_PATIENT,
    "startProvisioning": NO_PATIENT,
    "createCatalogueApp": NO_PATIENT,
    "updateCatalogueApp": NO_PATIENT,
    "setCatalogueAppStatus": NO_PATIENT,
    "setDmpMigrationObjection": NO_PATIENT,  # the caller's own space: see the patient row below
    "setHiddenDocumentAccess": NO_PATIENT,  # idem
    "closeSpace": _p(),
    "reopenSpace": _p(),
    "requestSpaceDeletion": _p(),
    "contestSuspension": _p(),
    "suspendSpace": _p(),
    "addRepresentative": _representative,
    "addProfileEntry": _p(entry={"allergy": {"substance": "arachide"}}),
    "updateProfileEntry": _profile_update,
    "removeProfileEntry": _profile_removal,
    "recordMeasurement": _p(input={"code": "29463-7", "unit": "kg", "value": 41.0,
                                   "measuredAt": "2026-11-01T08:00:00Z"}),
    "removeMeasurement": _measurement_removal,
    "depositDocument": _deposit_vars,
    "requestDocumentUpload": _p(metadata=metadata(**deposit_meta()), contentType="application/pdf",
                                size=len(PDF), sha256=sha256(PDF)),
    "confirmDocumentUpload": _with("documentId", _pending_upload),
    "issueDocumentUrl": _with("documentId", _doc),
    "hideDocumentFromProfessionals": _with("documentId", _doc, hidden=True),
    "hideDocumentFromRepresentatives": _with("documentId", _doc, hidden=True),
    "releaseDocument": _held_back,
    "deleteDocument": _with("documentId", _doc),
    "withdrawDocument": _with("documentId", _doc, reason="Erreur"),
    "setProfessionalAccess": _professional,
    "setAccessObjections": _p(careTeam=False, emergency=False),
    "declareEmergencyAccess": _p(reason="Inconsciente"),
    "startConversation": _held_back_attached,
    "sendMessage": _message,
    "markConversationRead": _with("conversationId", _conversation),
    "archiveConversation": _with("conversationId", _conversation, archived=True),
    "revokePairing": _pairing,
    "addAgendaEvent": _p(input=event(start=START)),
    "changeAgendaEvent": _with("eventId", _event, input=event(start=START, title="Changé")),
    "cancelAgendaEvent": _with("eventId", _event),
    "acceptForecastEntry": _p(entryId="dtcap-11y"),
    "dismissForecastEntry": _p(entryId="dtcap-11y", dismissed=True),
    "setPreventionCategory": _p(category="DENTAL", enabled=False),
    "requestSpaceExport": _p(),
    "createAgendaFeed": _p(),
    "revokeAgendaFeed": _p(),
    "setNotificationPreference": _p(channel="EMAIL", kind="MESSAGE", enabled=False),
}  # fmt: skip
SCHEMA = build_schema(SchemaLimits())._schema
MUTATIONS = SCHEMA.mutation_type.fields if SCHEMA.mutation_type else {}
RESTORED = ("representations", "authorisations", "emergency_accesses", "pairings", "agenda_feeds")


def operation(name: str, variables: dict[str, Any]) -> str:
    """The mutation ``name`` with ``variables``, its types read from the schema."""
    args = MUTATIONS[name].args
    declared = ", ".join(f"${k}: {args[k].type}" for k in variables)
    passed = ", ".join(f"{k}: ${k}" for k in variables)
    return f"mutation({declared}) {{ {name}({passed}) {{ __typename }} }}"


def test_every_mutation_has_a_row() -> None:
    assert set(ROWS) == set(MUTATIONS), set(MUTATIONS) ^ set(ROWS)


async def _send(w: World, caller: Caller, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    if name == "depositDocument":
        response = await caller.send_deposit(
            patient_id=variables["patientId"], **deposit_meta(createdAt=_now())
        )
        answer: dict[str, Any] = response.json()
        return answer
    return await caller.post(operation(name, variables), variables)


def succeeded(name: str, answer: dict[str, Any]) -> bool:
    result: dict[str, Any] = (answer.get("data") or {}).get(name) or {}
    return not answer.get("errors") and not result.get("__typename", "Error").endswith("Error")


class Snapshot:
    """What a success may change beyond fresh records, put back after each attempt."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.saved: dict[str, list[dict[str, Any]]] = {}

    def _query(self, name: str) -> dict[str, Any]:
        key = "represented_id" if name == "representations" else "patient_id"
        return {key: self.w.patient_id}

    async def take(self) -> None:
        db = self.w.stores.db
        patient = await db["patients"].find_one({"_id": self.w.patient_id})
        assert patient is not None
        self.patient: dict[str, Any] = patient
        for name in RESTORED:
            self.saved[name] = await db[name].find(self._query(name)).to_list()

    async def restore(self) -> None:
        db = self.w.stores.db
        await db["patients"].replace_one({"_id": self.w.patient_id}, self.patient)
        for name, docs in self.saved.items():
            await db[name].delete_many(self._query(name))
            if docs:
                await db[name].insert_many(docs)


# a closed space: its holder side still reads, nobody writes; anyone else is refused
CLOSED = ("patient", "representative", "primary physician", "app A")
STATES = {"open space": ACTORS, "closed space": CLOSED}
CLOSING = {"space.status": "closed", "space.closed_reason": "holder"}


# Every mutation x 13 actors (about 630 requests): a minute alone, more beside another worker.
@pytest.mark.timeout(600)
@pytest.mark.parametrize("state", STATES)
async def test_every_attempt_is_traced_with_the_outcome_it_had(
    app: Starlette, http: httpx.AsyncClient, state: str
) -> None:
    w = await world(app, http)
    events = w.stores.db["access_events"]
    snapshot = Snapshot(w)
    await snapshot.take()
    failures, cases, actors = [], 0, STATES[state]
    for name, row in ROWS.items():
        if isinstance(row, str):
            continue
        for actor in actors:
            variables = await row(w)  # records made while the space is open
            if state == "closed space":
                await w.stores.db["patients"].update_one({"_id": w.patient_id}, {"$set": CLOSING})
            before = {e["_id"] async for e in events.find({"patient_id": w.patient_id}, {"_id": 1})}
            answer = await _send(w, w[actor], name, variables)
            new = [
                e["outcome"]
                async for e in events.find(
                    {"patient_id": w.patient_id, "_id": {"$nin": list(before)}}
                )
            ]
            await snapshot.restore()
            cases += 1
            verdict = _verdict(name, actor, answer, new)
            if verdict is not None:
                failures.append((state, *verdict))
    rows = sum(not isinstance(r, str) for r in ROWS.values())
    assert cases == rows * len(actors)
    assert not failures, "\n".join(map(str, failures))


def _verdict(
    name: str, actor: str, answer: dict[str, Any], new: list[str]
) -> tuple[str, str, object, list[str]] | None:
    """``None`` when the traces agree with the answer, else what disagrees."""
    ok = succeeded(name, answer)
    codes = {e.get("extensions", {}).get("code") for e in answer.get("errors") or []}
    untouched = actor == "nobody" or bool(codes & {"UNAUTHENTICATED", "INSUFFICIENT_SCOPE"})
    if ok:
        right = "allowed" in new and "denied" not in new
    elif untouched:
        right = not new
    else:
        right = "denied" in new and "allowed" not in new
    return None if right else (name, actor, "ok" if ok else codes or "error union", new)
