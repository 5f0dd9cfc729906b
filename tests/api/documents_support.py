"""Depositing and reading documents through GraphQL as the demo actors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette

from resolvers.core.actors import ActorKind
from resolvers.core.identity import luhn_check_digit
from resolvers.demo._files import pdf
from resolvers.demo.seed import stable_id
from storage.patients import PatientDoc
from storage.stores import Stores
from tests.oauth_support import PATIENT_INS, PROFESSIONAL_RPPS
from tests.spaces_support import make_patient
from tests.support import FakeClock
from tests.tokens import TokenFactory

CAMILLE = stable_id("patient:camille")
LEFEVRE = stable_id("professional:lefevre")  # Camille's primary physician
BENALI = stable_id("professional:benali")
BENALI_RPPS = "1000456789" + str(luhn_check_digit("1000456789"))
MOREAU_RPPS = "1000234567" + str(luhn_check_digit("1000234567"))  # follows nobody
DOCS = "documents:read documents:write"
PDF = pdf("Compte rendu", ["Examen normal."])

FIELDS = """
id title format size sha256 version status replaces replacedBy confidentialityCodes
hiddenFromProfessionals hiddenFromPatient hiddenFromRepresentatives releaseAt
type { code label } classCode { code } author { kind name rpps profession { code } }
createdAt depositedAt contentPath actDate late lateBySeconds
"""
RESULT = f"""
  __typename
  ... on DocumentChange {{ document {{ {FIELDS} }} }}
  ... on DocumentError {{ code field message }}
"""
DEPOSIT = f"""
mutation($patientId: ID!, $file: Upload!, $metadata: DocumentMetadataInput!, $replaces: ID) {{
  depositDocument(patientId: $patientId, file: $file, metadata: $metadata, replaces: $replaces)
  {{ {RESULT} }}
}}
"""
LIST = f"""
query($id: ID!, $filter: DocumentFilterInput, $first: Int, $after: String) {{
  patient(id: $id) {{
    documents(filter: $filter, first: $first, after: $after) {{
      totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {FIELDS} }} }}
    }}
  }}
}}
"""


def metadata(**overrides: Any) -> dict[str, Any]:
    base = {
        "typeCode": "11488-4",
        "classCode": "10",
        "title": "Consultation du 3 novembre",
        "createdAt": "2026-11-03T09:30:00+00:00",
    }
    return {**base, **overrides}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Caller:
    http: httpx.AsyncClient
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = await self.post(query, variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def deposit(
        self,
        data: bytes = PDF,
        *,
        content_type: str = "application/pdf",
        patient_id: str = CAMILLE,
        replaces: str | None = None,
        **meta: Any,
    ) -> dict[str, Any]:
        """The ``depositDocument`` result, sent as a GraphQL multipart request."""
        response = await self.send_deposit(
            data, content_type=content_type, patient_id=patient_id, replaces=replaces, **meta
        )
        body = response.json()
        assert not body.get("errors"), body
        result: dict[str, Any] = body["data"]["depositDocument"]
        return result

    async def send_deposit(
        self,
        data: bytes = PDF,
        *,
        content_type: str = "application/pdf",
        patient_id: str = CAMILLE,
        replaces: str | None = None,
        **meta: Any,
    ) -> httpx.Response:
        """The raw answer to a ``depositDocument`` multipart request (refusals included)."""
        operations = {
            "query": DEPOSIT,
            "variables": {
                "patientId": patient_id,
                "file": None,
                "metadata": metadata(**meta),
                "replaces": replaces,
            },
        }
        return await self.http.post(
            "/graphql",
            data={
                "operations": orjson.dumps(operations).decode(),
                "map": orjson.dumps({"0": ["variables.file"]}).decode(),
            },
            files={"0": ("document", data, content_type)},
            headers={**self.headers, "graphql-preflight": "1"},
        )

    async def deposited(self, data: bytes = PDF, **kwargs: Any) -> dict[str, Any]:
        result = await self.deposit(data, **kwargs)
        assert result["__typename"] == "DocumentChange", result
        document: dict[str, Any] = result["document"]
        return document

    async def documents(self, patient_id: str = CAMILLE, **variables: Any) -> dict[str, Any]:
        data = await self.data(LIST, {"id": patient_id, **variables})
        connection: dict[str, Any] = data["patient"]["documents"]
        return connection

    async def titles(self, patient_id: str = CAMILLE, **variables: Any) -> list[str]:
        connection = await self.documents(patient_id, first=100, **variables)
        return [edge["node"]["title"] for edge in connection["edges"]]

    async def mutate(self, name: str, arguments: str, variables: dict[str, Any]) -> dict[str, Any]:
        declared = ", ".join(f"${k}: {v}" for k, v in _types(variables).items())
        query = f"mutation({declared}) {{ {name}({arguments}) {{ {RESULT} }} }}"
        data = await self.data(query, variables)
        result: dict[str, Any] = data[name]
        return result


def _types(variables: dict[str, Any]) -> dict[str, str]:
    kinds = {bool: "Boolean!", str: "String!"}
    return {
        name: "ID!" if name.endswith("Id") else kinds[type(value)]
        for name, value in variables.items()
    }


async def patient(make: TokenFactory, http: httpx.AsyncClient, scope: str = DOCS) -> Caller:
    return Caller(http, await make(ActorKind.PATIENT, PATIENT_INS, scope))


async def professional(
    make: TokenFactory, http: httpx.AsyncClient, rpps: str = PROFESSIONAL_RPPS, scope: str = DOCS
) -> Caller:
    return Caller(http, await make(ActorKind.PROFESSIONAL, rpps, scope))


async def add_to_care_team(camille: Caller, professional_id: str) -> None:
    """Camille lists a professional as following her (a token with ``profile:write``)."""
    data = await camille.data(
        "mutation($p: ID!, $e: ProfileEntryInput!) { addProfileEntry(patientId: $p, entry: $e) "
        "{ __typename } }",
        {"p": CAMILLE, "e": {"careTeam": {"professionalId": professional_id, "role": "FOLLOWS"}}},
    )
    assert data["addProfileEntry"]["__typename"] == "ProfileEntryChange"


def stores_of(app: Starlette) -> Stores:
    """The stores a running app opened, for tests that act beside GraphQL (run-due, reconcile)."""
    stores: Stores = app.state.services.running.stores
    return stores


@dataclass(frozen=True)
class Family:
    """A minor (``child``, signed in as ``minor``) whose parent is her legal representative, and
    her primary physician in her care team: the cast of the representatives' rules."""

    parent: PatientDoc
    child: PatientDoc
    minor: Caller
    lefevre: Caller


async def minor_with_a_parent(
    make: TokenFactory, app: Starlette, http: httpx.AsyncClient
) -> Family:
    """Open a parent's and a minor's spaces, make the parent her representative (an operator's
    ``addRepresentative``) and put Dr Lefèvre in the minor's care team."""
    clock = FakeClock(datetime.now(UTC))  # the app runs on the system clock
    stores = stores_of(app)
    parent = await make_patient(stores, clock, 1, "active")
    child = await make_patient(stores, clock, 2, "active", born=date(2012, 5, 1))
    admin = Caller(http, await make(ActorKind.OPERATOR, None, "admin"))
    await admin.data(
        "mutation($id: ID!, $ins: String!) { addRepresentative(patientId: $id, "
        'representativeIns: $ins, relation: "parent") { __typename } }',
        {"id": child["_id"], "ins": parent["ins"]["matricule"]},
    )
    minor = Caller(
        http, await make(ActorKind.PATIENT, child["ins"]["matricule"], f"{DOCS} profile:write")
    )
    await minor.data(
        "mutation($p: ID!, $e: ProfileEntryInput!) { addProfileEntry(patientId: $p, entry: $e) "
        "{ __typename } }",
        {"p": child["_id"], "e": {"careTeam": {"professionalId": LEFEVRE, "role": "FOLLOWS"}}},
    )
    return Family(parent, child, minor, await professional(make, http))
