"""The patient dashboard a frontend would show, and the data behind it.

Camille (the demo patient) gets enough of everything for a full dashboard: 40 documents (the
20 latest are shown), 12 conversations with Dr Lefèvre (10 shown) and upcoming agenda events (5
shown), beside the demo's medical profile. Made once per database, idempotently.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from resolvers.agenda import events as agenda
from resolvers.agenda.rules import EventInput
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock, SystemClock
from resolvers.demo.seed import seed_demo, stable_id
from resolvers.documents.rules import DocumentConfig
from resolvers.messaging import writes as messaging
from storage.stores import Stores

CAMILLE = stable_id("patient:camille")
LEFEVRE = stable_id("professional:lefevre")
PATIENT_INS = "285034410912329"
LEFEVRE_RPPS = "10001234565"
SCOPES = (
    "profile.allergies:read profile.treatments:read profile.vaccinations:read "
    "profile.care-team:read documents:read agenda:read messages:read"
)
FROM = "2026-01-01T00:00:00+00:00"
TO = "2026-12-31T00:00:00+00:00"
DASHBOARD = """
query Dashboard($id: ID!, $from: DateTime!, $to: DateTime!) {
  patient(id: $id) {
    id
    profile {
      allergies { id substance reaction severity }
      treatments { id name dosage }
      vaccinations { id vaccine date }
      careTeam { professionalId role }
    }
    documents(first: 20) {
      totalCount
      edges { node { id title createdAt type { code label } author { kind name } } }
    }
    agenda(from: $from, to: $to, first: 5) {
      edges { node { start end event { id title kind } } }
    }
  }
  conversations(filter: {patientId: $id}, first: 10) {
    edges { node { id subject lastMessageAt unreadCount correspondent { name }
      lastMessage { excerpt sentAt author { name } } } }
  }
}
"""
VARIABLES = {"id": CAMILLE, "from": FROM, "to": TO}


async def prepare(stores: Stores, clock: Clock | None = None) -> None:
    """Seed the demo, then give Camille a full dashboard (once)."""
    clock = clock or SystemClock()
    await seed_demo(stores, clock)
    if await stores.conversations.exists({"patient_id": CAMILLE}):
        return
    template = await stores.documents.get(stable_id("document:camille-consultation"))
    assert template is not None
    for n in range(40):
        created = datetime(2026, 1, 5, 9, 0, tzinfo=UTC) + timedelta(days=7 * n)
        doc = {
            **template,
            "_id": stable_id(f"bench-document:{n}"),
            "set_id": stable_id(f"bench-document:{n}"),
            "title": f"Compte rendu {n + 1}",
            "object_key": f"{template['object_key']}-{n}",  # metadata only: never read
            "created_at": created,
            "deposited_at": created,
        }
        await stores.documents.insert_if_missing(doc)  # type: ignore[arg-type]
    doctor = Actor(ActorKind.PROFESSIONAL, LEFEVRE, "bench", frozenset(), profession_code="10")
    for n in range(12):
        draft = messaging.Draft(subject=f"Suivi {n + 1}", body=f"Bonjour, message {n + 1}.")
        await messaging.start_conversation(stores, clock, DocumentConfig(), doctor, CAMILLE, draft)
    holder = Actor(ActorKind.PATIENT, CAMILLE, "bench", frozenset())
    for n in range(8):
        start = datetime(2026, 12, 1, 8, 30, tzinfo=UTC) + timedelta(days=3 * n)
        event = EventInput(kind="appointment", title=f"Rendez-vous {n + 1}", start=start)
        await agenda.add_event(stores, clock, holder, CAMILLE, event)
