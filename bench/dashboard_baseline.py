"""The baseline of the dashboard benchmark: a hand-written Starlette route doing the same work as
the GraphQL dashboard query — the same token check, the same use cases (so the same MongoDB reads,
access checks and audit traces), with PyMongo async — and answering byte-identical JSON, built by
hand and encoded with orjson. What it does not do is GraphQL: no parsing, validation, field
resolution or per-field permission checks. ``tests/bench`` checks the bytes are identical.

Run as its own process: ``python -m bench.dashboard_baseline --port N`` (settings from the
environment, as ``espace-sante serve``).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.oauth.tokens import InvalidToken
from api.services import Services
from api.settings import Settings
from resolvers.accounts import people
from resolvers.agenda import events as agenda
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import SystemClock
from resolvers.core.request_memo import read_only_request
from resolvers.documents import reads as document_reads
from resolvers.documents.reads import DocumentFilter
from resolvers.messaging import reads as conversation_reads
from resolvers.messaging.reads import ConversationFilter
from storage.stores import Stores

SCOPES = (
    "profile.allergies:read",
    "profile.treatments:read",
    "profile.vaccinations:read",
    "profile.care-team:read",
    "documents:read",
    "agenda:read",
    "messages:read",
)


def _at(value: datetime) -> str:
    return value.isoformat()


def _upper(value: str | None) -> str | None:
    return None if value is None else value.upper()


async def _profile(stores: Stores, patient_id: str) -> dict[str, Any]:
    sections = await stores.profile_entries.of_sections(
        patient_id, ["allergies", "treatments", "vaccinations", "care-team"]
    )
    allergies, treatments = sections["allergies"], sections["treatments"]
    vaccinations, care_team = sections["vaccinations"], sections["care-team"]
    return {
        "allergies": [
            {
                "id": e["_id"],
                "substance": e["data"]["substance"],
                "reaction": e["data"]["reaction"],
                "severity": _upper(e["data"]["severity"]),
            }
            for e in allergies
        ],
        "treatments": [
            {"id": e["_id"], "name": e["data"]["name"], "dosage": e["data"]["dosage"]}
            for e in treatments
        ],
        "vaccinations": [
            {"id": e["_id"], "vaccine": e["data"]["vaccine"], "date": e["data"]["date"]}
            for e in vaccinations
        ],
        "careTeam": [
            {"professionalId": e["data"]["professional_id"], "role": _upper(e["data"]["role"])}
            for e in care_team
        ],
    }


async def _documents(services: Services, actor: Actor, patient_id: str) -> dict[str, Any]:
    stores = services.running.stores
    page, count = await document_reads.list_documents(
        stores, services.clock, services.documents, actor, patient_id, DocumentFilter(),
        first=20, after=None,
    )  # fmt: skip
    return {
        "totalCount": await count(),
        "edges": [
            {
                "node": {
                    "id": d["_id"],
                    "title": d["title"],
                    "createdAt": _at(d["created_at"]),
                    "type": {"code": d["type"]["code"], "label": d["type"]["label"]},
                    "author": {"kind": d["author"]["kind"], "name": d["author"]["name"]},
                }
            }
            for d in page.items
        ],
    }


async def _agenda(
    services: Services, actor: Actor, patient_id: str, since: datetime, until: datetime
) -> dict[str, Any]:
    found, _, _ = await agenda.occurrences(
        services.running.stores, services.clock, actor, patient_id, since, until, None,
        first=5, after=None,
    )  # fmt: skip
    return {
        "edges": [
            {
                "node": {
                    "start": _at(f.occurrence.start),
                    "end": _at(f.occurrence.end),
                    "event": {
                        "id": f.event["_id"],
                        "title": f.event["title"],
                        "kind": f.event["kind"].upper(),
                    },
                }
            }
            for f in found
        ]
    }


async def _conversations(services: Services, actor: Actor, patient_id: str) -> dict[str, Any]:
    stores = services.running.stores
    page, _ = await conversation_reads.list_conversations(
        stores, services.clock, actor, ConversationFilter(patient_id=patient_id), 10, None
    )
    unread = await conversation_reads.unread_counts(stores, actor, [c["_id"] for c in page.items])
    edges = []
    for c in page.items:
        mine = actor.id == c["professional_id"]
        last = c["last_message"]
        edges.append(
            {
                "node": {
                    "id": c["_id"],
                    "subject": c["subject"],
                    "lastMessageAt": _at(c["last_message_at"]),
                    "unreadCount": unread.get(c["_id"], 0),
                    "correspondent": {
                        "name": c["patient_name"] if mine else c["professional_name"]
                    },
                    "lastMessage": {
                        "excerpt": last["excerpt"],
                        "sentAt": _at(last["sent_at"]),
                        "author": {"name": last["author"]["name"]},
                    },
                }
            }
        )
    return {"edges": edges}


async def dashboard(services: Services, actor: Actor, variables: dict[str, Any]) -> bytes:
    """The dashboard's JSON, as the GraphQL endpoint would answer it."""
    patient_id = str(variables["id"])
    since = datetime.fromisoformat(variables["from"])
    until = datetime.fromisoformat(variables["to"])
    stores = services.running.stores
    patient = await people.visible_patient(stores, services.clock, actor, patient_id)
    body = {
        "data": {
            "patient": {
                "id": patient["_id"],
                "profile": await _profile(stores, patient_id),
                "documents": await _documents(services, actor, patient_id),
                "agenda": await _agenda(services, actor, patient_id, since, until),
            },
            "conversations": await _conversations(services, actor, patient_id),
        }
    }
    return orjson.dumps(body)


def create_baseline(settings: Settings) -> Starlette:
    services = Services(settings, SystemClock())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.start()
        try:
            yield
        finally:
            await services.stop()

    async def route(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise InvalidToken("a bearer token is required")
            actor = await services.running.verifier.verify(token)
        except InvalidToken:
            return Response(b'{"error":"invalid_token"}', status_code=401)
        if actor.missing_scopes(SCOPES) or actor.kind not in (
            ActorKind.PATIENT, ActorKind.PROFESSIONAL,
        ):  # fmt: skip
            return Response(b'{"error":"insufficient_scope"}', status_code=403)
        variables = orjson.loads(await request.body())["variables"]
        with read_only_request():  # as the GraphQL endpoint does for queries
            body = await dashboard(services, actor, variables)
        return Response(body, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return Response(b"ok")

    routes = [Route("/dashboard", route, methods=["POST"]), Route("/healthz", healthz)]
    return Starlette(routes=routes, lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn.run(
        create_baseline(Settings()), host="127.0.0.1", port=port, log_level="warning",
        access_log=False, server_header=False,
    )  # fmt: skip


if __name__ == "__main__":
    main()
