"""Every kind of actor the outside probe plays, around one minor patient, for the protection
tables: the patient, another patient, her legal representative, her primary physician, a
pharmacist and a nurse of her care team, a nurse she blocked, an unrelated physician, two
catalogue apps she paired (two OAuth clients), an operator, and nobody (no token).

Everything is real: professionals in the directory, care-team entries, the block, the
representation, referenced catalogue apps with their OAuth clients and pairings, and signed,
allow-listed access tokens carrying every scope their kind may hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from api.oauth.tokens import Subject, allow_list_entry, sign_access_token
from resolvers.access.matrix import load_matrix
from resolvers.access.scopes import SCOPES
from resolvers.core.actors import ActorKind
from storage.patients import PatientDoc
from storage.professionals import ProfessionalDoc
from storage.stores import Stores
from tests.access_support import link_to_care_team, make_professional
from tests.api.documents_support import Caller, stores_of
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import token_factory

DOCUMENT_TYPE = "11488-4"  # a consultation note: read by physicians, pharmacists and nurses
PROFESSIONALS = {  # name: (profession, relation to the patient)
    "primary physician": ("10", "primary_physician"),
    "pharmacist": ("21", "follows"),
    "nurse": ("60", "follows"),
    "blocked nurse": ("60", "blocked"),
    "unrelated physician": ("10", None),
}
APPS = {"app A": "app-a-client", "app B": "app-b-client"}
ACTORS = (
    "patient",
    "representative",
    "other patient",
    *PROFESSIONALS,
    *APPS,
    "operator",
    "nobody",
)
assert all(load_matrix().may_read(p, DOCUMENT_TYPE) for p, _ in PROFESSIONALS.values())


def every_scope(kind: ActorKind) -> str:
    return " ".join(scope.name for scope in SCOPES if kind in scope.kinds)


class Nobody(Caller):
    """A caller without a token."""

    @property
    def headers(self) -> dict[str, str]:
        return {}


@dataclass
class World:
    """The patient (a minor), and a caller for every actor, by name."""

    app: Starlette
    http: httpx.AsyncClient
    patient: PatientDoc
    parent: PatientDoc
    callers: dict[str, Caller]
    professionals: dict[str, ProfessionalDoc]

    @property
    def stores(self) -> Stores:
        return stores_of(self.app)

    @property
    def patient_id(self) -> str:
        return self.patient["_id"]

    def __getitem__(self, name: str) -> Caller:
        return self.callers[name]

    async def sees(self, name: str, document_id: str) -> tuple[bool, bool]:
        """(reads the document's metadata by id, downloads its bytes) for actor ``name``."""
        caller = self.callers[name]
        body = await caller.post("query($d: ID!) { document(id: $d) { id } }", {"d": document_id})
        meta = ((body.get("data") or {}).get("document") or {}).get("id") == document_id
        content = await self.http.get(f"/documents/{document_id}/content", headers=caller.headers)
        return meta, content.status_code == 200


async def _app_client(stores: Stores, now: datetime, name: str, client_id: str) -> str:
    """A referenced catalogue app and its OAuth client; its id."""
    await stores.oauth_clients.insert(
        {
            "_id": client_id, "name": name, "kind": "app", "secret_hash": None,
            "redirect_uris": ["https://app.example/callback"], "grant_types": [],
            "scopes": [s.name for s in SCOPES if ActorKind.APP in s.kinds], "disabled": False,
            "created_at": now, "updated_at": now,
        }
    )  # fmt: skip
    app_id = f"catalogue-{client_id}"
    await stores.catalogue.insert(
        {
            "_id": app_id, "client_id": client_id, "name": name, "publisher": "Test",
            "description": "Une app de test.", "domain": "medical_follow_up", "categories": [],
            "retention_days": 30, "consent_days": 365, "consent_text": "Test.",
            "search_keys": [], "status": "referenced", "created_at": now, "updated_at": now,
            "referenced_at": now, "withdrawn_at": None,
        }
    )  # fmt: skip
    return app_id


async def app_caller(
    app: Starlette, http: httpx.AsyncClient, patient_id: str, name: str, client_id: str
) -> Caller:
    """A catalogue app the patient paired, with a token of its own OAuth client."""
    running, settings = app.state.services.running, app.state.settings
    now = app.state.services.clock.now()
    stores: Stores = running.stores
    app_id = await _app_client(stores, now, name, client_id)
    scopes = every_scope(ActorKind.APP)
    await stores.pairings.consent(
        {
            "_id": f"{patient_id}:{app_id}", "patient_id": patient_id, "app_id": app_id,
            "client_id": client_id, "scopes": scopes.split(), "consented_at": now,
            "expires_at": now + timedelta(days=365), "revoked_at": None, "revoked_because": None,
        }
    )  # fmt: skip
    await running.keyring.fresh()
    token, claims = sign_access_token(
        running.keyring, issuer=settings.public_base_url, audience=settings.audience,
        client_id=client_id, subject=Subject(ActorKind.APP, patient_id), scope=scopes,
        now=now, lifetime=timedelta(minutes=30),
    )  # fmt: skip
    await stores.access_tokens.insert(allow_list_entry(claims, None))
    return Caller(http, token)


async def world(app: Starlette, http: httpx.AsyncClient, index: int = 40) -> World:
    """A fresh minor patient with an active space, and every actor around her."""
    stores = stores_of(app)
    clock = FakeClock(datetime.now(UTC))
    now = clock.now()
    make = token_factory(app)
    child = await make_patient(stores, clock, index, "active", born=date(2013, 4, 2))
    parent = await make_patient(stores, clock, index + 1, "active")
    other = await make_patient(stores, clock, index + 2, "active")
    await stores.representations.record(
        [
            {
                "_id": f"{child['_id']}:{parent['ins']['matricule']}",
                "represented_id": child["_id"],
                "representative_ins": parent["ins"]["matricule"],
                "relation": "parent",
                "since": now,
                "ended_at": None,
            }
        ]
    )
    patients = every_scope(ActorKind.PATIENT)
    callers: dict[str, Caller] = {
        "patient": Caller(http, await make(ActorKind.PATIENT, child["ins"]["matricule"], patients)),
        "representative": Caller(
            http, await make(ActorKind.PATIENT, parent["ins"]["matricule"], patients)
        ),
        "other patient": Caller(
            http, await make(ActorKind.PATIENT, other["ins"]["matricule"], patients)
        ),
    }
    professionals: dict[str, ProfessionalDoc] = {}
    for offset, (name, (profession, relation)) in enumerate(PROFESSIONALS.items()):
        pro = await make_professional(stores, now, index * 10 + offset, profession)
        professionals[name] = pro
        if relation is not None:
            role = "primary_physician" if relation == "primary_physician" else "follows"
            await link_to_care_team(stores, now, child["_id"], pro["_id"], role)
        if relation == "blocked":
            await stores.authorisations.choose(child["_id"], pro["_id"], {"blocked": True}, now)
        token = await make(ActorKind.PROFESSIONAL, pro["rpps"], every_scope(ActorKind.PROFESSIONAL))
        callers[name] = Caller(http, token)
    for name, client_id in APPS.items():
        callers[name] = await app_caller(app, http, child["_id"], name, f"{client_id}-{index}")
    callers["operator"] = Caller(http, await make(ActorKind.OPERATOR, None, "admin"))
    callers["nobody"] = Nobody(http, "")
    return World(app, http, child, parent, callers, professionals)


def deposit_meta(**overrides: Any) -> dict[str, Any]:
    """Metadata of a document of the type every professional of the world reads."""
    return {"typeCode": DOCUMENT_TYPE, **overrides}
