"""A demo conversation for GraphiQL: Dr Lefèvre writes to Camille about her blood test, with the
report attached, and she answers. Loaded by ``espace-sante seed-demo`` and ``serve --seed-demo``."""

from __future__ import annotations

from resolvers.core.actors import Actor, ActorKind
from resolvers.core.clock import Clock
from resolvers.documents.rules import DocumentConfig
from resolvers.messaging import writes as messaging
from storage.stores import Stores

SCOPES = frozenset({"messages:read", "messages:write", "documents:read"})


async def seed_messages(
    stores: Stores, clock: Clock, patient_id: str, professional_id: str, attachment_id: str
) -> int:
    """One conversation of three messages, once; returns how many messages were written."""
    if await stores.conversations.exists({"patient_id": patient_id}):
        return 0
    doctor = Actor(ActorKind.PROFESSIONAL, professional_id, "demo", SCOPES, profession_code="10")
    patient = Actor(ActorKind.PATIENT, patient_id, "demo", SCOPES)
    config = DocumentConfig()
    first = messaging.Draft(
        subject="Résultats de votre bilan",
        body="Bonjour Madame Martin,\n\nVotre bilan biologique est normal. Je joins le compte "
        "rendu de la consultation.\n\nBien cordialement,\nDr Lefèvre",
        attachment_ids=[attachment_id],
    )
    conversation, _ = await messaging.start_conversation(
        stores, clock, config, doctor, patient_id, first
    )
    await messaging.mark_read(stores, clock, patient, conversation["_id"], None)
    await messaging.send_message(
        stores, clock, config, patient, conversation["_id"],
        messaging.Draft(body="Merci docteur. Faut-il refaire une prise de sang l'an prochain ?"),
    )  # fmt: skip
    await messaging.send_message(
        stores, clock, config, doctor, conversation["_id"],
        messaging.Draft(body="Oui, un bilan annuel suffit. Je vous le prescrirai en septembre."),
    )  # fmt: skip
    return 3
