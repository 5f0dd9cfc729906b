"""Live messaging events for one subscriber: new messages and read receipts, in commit order.

A subscriber listens to its mailboxes through the process's hub. Given ``after`` (the position of
the last event it received), it first replays what was committed since from a change stream of
its own, then goes on with the hub, skipping what the replay already gave: the listener joins the
hub *before* the replay starts, so nothing falls between the two, and duplicates are dropped by
event id. Each message delivered is traced as read by the subscriber.

The subscription lasts as long as the access token: it ends when the token expires or is revoked
(checked at least every ``RECHECK``; the websocket itself checks it every few seconds, see
``api/ws_auth.py``), and each event of a mailbox not the actor's own is checked against what may
have changed since: a block the patient set on a professional, a representation that ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from resolvers.access.policy import Relation
from resolvers.core.actors import Actor, ActorKind
from resolvers.core.audit import author_of, trace
from resolvers.core.clock import Clock
from resolvers.core.errors import DomainError, InvalidInput, Unauthenticated
from resolvers.messaging._access import mailbox_relation, open_mailbox
from resolvers.messaging.hub import ListenerFailed, MessageHub, patient_key, professional_key
from resolvers.messaging.refusals import MessagingRefusal
from storage.message_feed import Audience, FeedEvent, PositionLost, open_feed
from storage.profile import AuthorDoc
from storage.stores import Stores

RECHECK = timedelta(seconds=30)
WAIT_SLICE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Started:
    """The first event of a new subscription: the position to resume from if the connection
    drops before any message arrives."""

    position: str


class SubscriptionEnded(DomainError):
    """The events stopped; ``code`` says why. Resume with the last position received."""

    def __init__(self, message: str, code: MessagingRefusal) -> None:
        super().__init__(message)
        self.code = code  # type: ignore[misc]  # per instance: the hub's reasons


@dataclass
class _Subscriber:
    stores: Stores
    clock: Clock
    actor: Actor
    author: AuthorDoc
    checked_at: datetime

    async def still_valid(self) -> None:
        now = self.clock.now()
        if self.actor.expires_at is not None and now >= self.actor.expires_at:
            raise Unauthenticated("The access token has expired: subscribe again with a new one.")
        if now - self.checked_at >= RECHECK and self.actor.token_id is not None:
            if not await self.stores.access_tokens.is_active(self.actor.token_id, now):
                raise Unauthenticated("The access token was revoked.")
            self.checked_at = now

    async def deliverable(self, event: FeedEvent) -> bool:
        """Whether to hand ``event`` over (traced when it is a message)."""
        # a professional may have been blocked since, a representative's representation may
        # have ended: each event of a mailbox that is not the actor's own is checked again
        if self.actor.kind is ActorKind.PROFESSIONAL or event.patient_id != self.actor.id:
            patient = await self.stores.patients.get(event.patient_id)
            if patient is None:
                return False
            relation, _ = await mailbox_relation(self.stores, self.clock, self.actor, patient)
            if relation is Relation.NONE:  # blocked, represented no more, or the space closed
                return False
        if event.kind == "message":
            await trace(
                self.stores, self.clock, self.author, patient_id=event.patient_id,
                action="message.delivered", target=("message", event.id),
            )  # fmt: skip
        return True


async def _mailboxes(
    stores: Stores, clock: Clock, actor: Actor, patient_id: str | None
) -> list[str]:
    """The patient side's mailboxes: one asked for, or the holder's own and those of the
    people they represent."""
    if patient_id is not None:
        await open_mailbox(stores, clock, actor, patient_id, "messages.subscribe")
        return [patient_id]
    me = await stores.patients.get(actor.id)
    if me is None:
        return []
    ids = [actor.id]
    for link in await stores.representations.represented_by(me["ins"]["matricule"]):
        ids.append(link["represented_id"])
    allowed = []
    for id_ in ids:
        patient = await stores.patients.get(id_)
        if patient is not None:
            relation, _ = await mailbox_relation(stores, clock, actor, patient)
            if relation is not Relation.NONE:
                allowed.append(id_)
    for id_ in allowed:
        await trace(
            stores, clock, actor, patient_id=id_, action="messages.subscribe",
            target=("mailbox", id_),
        )  # fmt: skip
    return allowed


async def subscribe(
    stores: Stores,
    clock: Clock,
    hub: MessageHub,
    actor: Actor,
    *,
    after: str | None,
    patient_id: str | None,
) -> AsyncIterator[FeedEvent | Started]:
    """The events of ``actor``'s mailboxes, committed after ``after`` (or from now on)."""
    if actor.kind is ActorKind.PROFESSIONAL:
        if patient_id is not None:
            raise InvalidInput(
                "a professional's subscription covers all their conversations", field="patientId"
            )
        audience = Audience(professional_ids=[actor.id])
        keys = [professional_key(actor.id)]
    elif actor.kind is ActorKind.PATIENT:
        patients = await _mailboxes(stores, clock, actor, patient_id)
        audience = Audience(patient_ids=patients)
        keys = [patient_key(id_) for id_ in patients]
    else:
        raise InvalidInput("only patients and professionals have a mailbox", field="actor")
    subscriber = _Subscriber(stores, clock, actor, await author_of(stores, actor), clock.now())
    return _events(subscriber, hub, keys, audience, after)


async def _events(
    subscriber: _Subscriber,
    hub: MessageHub,
    keys: list[str],
    audience: Audience,
    after: str | None,
) -> AsyncIterator[FeedEvent | Started]:
    replayed: set[str] = set()
    try:
        async with hub.listen(keys) as listener:
            # everything the hub read up to here went out before the listener joined, and all
            # it reads from here on reaches it: resuming from this position loses nothing
            if after is None and hub.position is not None:
                yield Started(hub.position)
            if after is not None:
                async for event in _replay(subscriber.stores, audience, after):
                    replayed.add(event.id)
                    if await subscriber.deliverable(event):
                        yield event
            while True:
                await subscriber.still_valid()
                try:
                    event = await asyncio.wait_for(listener.get(), WAIT_SLICE_SECONDS)
                except TimeoutError:
                    continue
                if replayed:  # the hub's events overlap the replay until the first new one
                    if event.id in replayed:
                        continue
                    replayed.clear()
                if await subscriber.deliverable(event):
                    yield event
    except ListenerFailed as error:
        raise SubscriptionEnded(str(error), error.code) from None


async def _replay(stores: Stores, audience: Audience, after: str) -> AsyncIterator[FeedEvent]:
    """What was committed after ``after``, up to now."""
    try:
        async with open_feed(stores.db, after=after, audience=audience) as feed:
            while (event := await feed.ready()) is not None:
                yield event
    except PositionLost:
        raise InvalidInput(
            "this position cannot be resumed from (unknown, or older than the change history): "
            "read the conversations again, then subscribe without one",
            field="after",
        ) from None
