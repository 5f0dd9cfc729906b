"""Telling a patient something new is in her space: recorded with its cause, batched, mailed.

- **Recorded** by one hook a cause (``document_visible``, ``message_written``…), as an event
  whose id is derived from the cause: recording twice records once. A message's event is written
  in the message's own transaction; a deposit or a release is not transactional, so its event
  follows the change, idempotently.
- **Batched**: a patient's events wait until the oldest is ``window`` old, then go out together
  in ONE email (five documents deposited within minutes: one email saying 5).
- **Sent** by ``send_news`` (the ``news`` worker): it takes the patient's lease first (one atomic
  upsert), so two replicas never both send her a batch; the preferences are read at send time.
- **At least once**, never silently lost: a sender that dies between the SMTP server's "250 OK"
  and marking the events sent leaves the batch named in its lease; when the lease runs out the
  next sender sends that very batch again, with the same Message-ID (``<news-<batch>@…>``), so a
  repeat is recognisable (docs/notifications.md says why this and not at-most-once).
- **No health data** in the email: how many new things, of two broad kinds (documents,
  messages), and an emergency access; never a title, a type, a name, a subject or a text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from resolvers.core.actors import ActorKind
from resolvers.core.clock import Clock
from resolvers.spaces.notifications import Message, Sender
from storage.documents import DocumentDoc
from storage.ids import new_id
from storage.messages import MessageDoc
from storage.news_events import NewsEventDoc, NewsKind, new_event
from storage.stores import Session, Stores

CHANNEL = "email"  # the one channel today; preferences and leases are keyed by channel
SEND_LEASE = timedelta(minutes=5)  # far longer than one SMTP exchange (30 s timeout)
RETRY_AFTER = timedelta(minutes=5)  # an SMTP failure: the same batch again after this
SENDERS = {ActorKind.PROFESSIONAL.value, ActorKind.APP.value}  # the holder's own deposit: no news


async def _record(
    stores: Stores, clock: Clock, kind: NewsKind, cause: str, patient_id: str, *,
    session: Session | None = None,
) -> None:  # fmt: skip
    await stores.news_events.record(
        new_event(f"{kind}:{cause}", patient_id, kind, clock.now()), session
    )


async def document_visible(stores: Stores, clock: Clock, doc: DocumentDoc) -> None:
    """Hook of a deposit or a new version (``finish``): news unless held back from the patient
    (her news then comes with the release) or deposited by the holder's side herself."""
    if doc["hidden_from_patient"] or doc["author"]["kind"] not in SENDERS:
        return
    await _record(stores, clock, "document", doc["_id"], doc["patient_id"])


async def document_released(stores: Stores, clock: Clock, doc: DocumentDoc) -> None:
    """Hook of a release, by its author or by ``run-due`` one month after deposit."""
    await _record(stores, clock, "document_released", doc["_id"], doc["patient_id"])


async def message_written(
    stores: Stores, clock: Clock, message: MessageDoc, session: Session
) -> None:
    """Hook inside a message's transaction: news when a professional wrote it."""
    if message["author"]["kind"] == ActorKind.PROFESSIONAL.value:
        patient_id = message["patient_id"]
        await _record(stores, clock, "message", message["_id"], patient_id, session=session)


async def emergency_accessed(stores: Stores, clock: Clock, access_id: str, patient_id: str) -> None:
    """Hook of an emergency (break-glass) access."""
    await _record(stores, clock, "emergency_access", access_id, patient_id)


def compose_news(kinds: Iterable[NewsKind], base_url: str, batch_id: str) -> Message:
    """The email: counts by broad kind and a link; nothing about what the things are. A release
    counts as a new document: saying "held back" would tell that the result was a serious one
    (a document is held back for an announcement consultation)."""
    counts = Counter("document" if kind == "document_released" else kind for kind in kinds)
    lines = []
    if n := counts["document"]:
        lines.append(f"- {n} nouveau document" if n == 1 else f"- {n} nouveaux documents")
    if n := counts["message"]:
        lines.append(f"- {n} nouveau message" if n == 1 else f"- {n} nouveaux messages")
    if n := counts["emergency_access"]:
        lines.append(
            "- un accès en urgence à votre profil"
            if n == 1
            else f"- {n} accès en urgence à "
            "votre profil (l'historique des accès dit qui, quand et pourquoi)"
        )
    body = (
        "Bonjour,\n\nDu nouveau vous attend dans votre profil Mon espace santé :\n"
        + "\n".join(lines)
        + f"\n\nPour le consulter, connectez-vous à votre profil : {base_url}\n\n"
        "Par confidentialité, ce message ne dit rien de son contenu. Vous choisissez les "
        "notifications que vous recevez dans les paramètres de votre profil.\n"
    )
    return Message("Du nouveau dans Mon espace santé", body, message_id=f"news-{batch_id}")


def _wanted(event: NewsEventDoc, chosen: dict[str, dict[str, bool]]) -> bool:
    return chosen.get(CHANNEL, {}).get(event["kind"], True)  # default: on


async def send_news(
    stores: Stores, clock: Clock, sender: Sender, *, window: timedelta, base_url: str,
    limit: int = 100,
) -> int:  # fmt: skip
    """Send each patient whose news waited ``window`` one email; returns how many were sent."""
    sent = 0
    for patient_id in await stores.news_events.due_patients(clock.now() - window, limit):
        sent += await _send_to(stores, clock, sender, patient_id, base_url)
    return sent


async def _batch(stores: Stores, clock: Clock, patient_id: str) -> tuple[str, str] | None:
    """The patient's lease and the batch to send under it: the one a dead sender left, or a new
    one made of every pending event. ``None`` when another sender holds the lease."""
    now = clock.now()
    lease = await stores.news_leases.acquire(f"{CHANNEL}:{patient_id}", now, now + SEND_LEASE)
    if lease is None:
        return None
    batch_id = lease.unfinished_batch
    if batch_id is None or not await stores.news_events.of_batch(batch_id):
        batch_id = new_id()
        # named before it is claimed: a sender dying in between leaves no event claimed by a
        # batch nobody knows
        await stores.news_leases.name_batch(lease.key, batch_id)
        await stores.news_events.claim_batch(patient_id, batch_id, now)
    return lease.key, batch_id


async def _send_to(
    stores: Stores, clock: Clock, sender: Sender, patient_id: str, base_url: str
) -> int:
    claimed = await _batch(stores, clock, patient_id)
    if claimed is None:
        return 0
    key, batch_id = claimed
    events = await stores.news_events.of_batch(batch_id)
    patient = await stores.patients.get(patient_id)
    email = patient["email"] if patient else None
    chosen = await stores.news_preferences.of_patient(patient_id)  # read now: at send time
    wanted = [e for e in events if email and _wanted(e, chosen)]
    unwanted = [e["_id"] for e in events if e not in wanted]
    if unwanted:
        reason = "not wanted" if email else "no email address"
        await stores.news_events.close(unwanted, "skipped", clock.now(), reason)
    if wanted and email:
        try:
            await sender.send(email, compose_news([e["kind"] for e in wanted], base_url, batch_id))
        except Exception:  # right here: whatever failed (SMTP, outage), the same batch is
            # sent again later, and the other patients' emails are not held up by it
            await stores.news_leases.release(key, clock.now(), retry_at=clock.now() + RETRY_AFTER)
            return 0
        await stores.news_events.close([e["_id"] for e in wanted], "sent", clock.now())
    await stores.news_leases.release(key, clock.now())
    return 1 if wanted else 0
