"""One change stream per process, fanned out to the subscribers connected to this process.

Each replica of the service reads the messaging change stream once, whatever the number of its
subscribers, and hands each event to the listeners of its audience (the patient's mailbox, the
professional's) through a dictionary lookup, so a send costs the same with 5 or 5,000
subscribers on other mailboxes. If the stream fails (MongoDB restarting, a failover), the hub
opens it again after the last position it read, so nothing committed meanwhile is skipped.

A listener that falls too far behind is failed rather than buffered without bound: its client
reconnects with the last position it saw and loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress

from resolvers.messaging.refusals import MessagingRefusal
from storage.message_feed import Feed, FeedEvent, PositionLost

log = logging.getLogger(__name__)

FeedOpener = Callable[[str | None], AbstractAsyncContextManager[Feed]]
QUEUE_LIMIT = 1000
OPEN_TIMEOUT_SECONDS = 10.0
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


class ListenerFailed(Exception):
    """The listener's events stopped: resume from the last position received."""

    def __init__(self, reason: str, code: MessagingRefusal) -> None:
        super().__init__(reason)
        self.code = code


def patient_key(patient_id: str) -> str:
    return f"patient:{patient_id}"


def professional_key(professional_id: str) -> str:
    return f"professional:{professional_id}"


def keys_of(event: FeedEvent) -> tuple[str, str]:
    return patient_key(event.patient_id), professional_key(event.professional_id)


class Listener:
    """The events of some mailboxes, in commit order, as the hub reads them."""

    def __init__(self, keys: frozenset[str], limit: int) -> None:
        self.keys = keys
        self._limit = limit
        self._items: deque[FeedEvent] = deque()
        self._wake = asyncio.Event()
        self.error: ListenerFailed | None = None

    def push(self, event: FeedEvent) -> None:
        if self.error is not None:
            return
        if len(self._items) >= self._limit:
            self.fail(ListenerFailed("too far behind", MessagingRefusal.SUBSCRIBER_TOO_SLOW))
            return
        self._items.append(event)
        self._wake.set()

    def fail(self, error: ListenerFailed) -> None:
        self.error = error
        self._items.clear()
        self._wake.set()

    async def get(self) -> FeedEvent:
        while not self._items:
            if self.error is not None:
                raise self.error
            self._wake.clear()
            await self._wake.wait()
        return self._items.popleft()


class MessageHub:
    """Started on the first listener; stopped with the app (:meth:`close`)."""

    def __init__(self, open_feed: FeedOpener, *, queue_limit: int = QUEUE_LIMIT) -> None:
        self._open_feed = open_feed
        self._queue_limit = queue_limit
        self._listeners: dict[str, set[Listener]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.position: str | None = None  # of the last event read (or the stream's start)

    @property
    def listener_count(self) -> int:
        return len({id(x) for group in self._listeners.values() for x in group})

    @asynccontextmanager
    async def listen(self, keys: Iterable[str]) -> AsyncIterator[Listener]:
        """A listener of ``keys``' events committed from now on (and perhaps a few before)."""
        listener = Listener(frozenset(keys), self._queue_limit)
        await self._started()
        for key in listener.keys:
            self._listeners[key].add(listener)
        try:
            yield listener
        finally:
            for key in listener.keys:
                group = self._listeners.get(key)
                if group is not None:
                    group.discard(listener)
                    if not group:
                        del self._listeners[key]

    async def _started(self) -> None:
        if self._task is None or self._task.done():
            self._ready.clear()
            self._task = asyncio.create_task(self._run(), name="message-hub")
        # once the stream has opened, its position is known: an outage later delays events
        # but loses none, so listeners may join; before that, they would miss some
        try:
            await asyncio.wait_for(self._ready.wait(), OPEN_TIMEOUT_SECONDS)
        except TimeoutError:
            raise ListenerFailed(
                "the message feed is unavailable", MessagingRefusal.SERVICE_UNAVAILABLE
            ) from None

    def _dispatch(self, event: FeedEvent) -> None:
        for key in keys_of(event):
            for listener in tuple(self._listeners.get(key, ())):
                listener.push(event)

    def _fail_all(self, error: ListenerFailed) -> None:
        for group in self._listeners.values():
            for listener in group:
                listener.fail(error)

    async def _run(self) -> None:
        failures = 0
        while True:
            feed: Feed | None = None
            try:
                async with self._open_feed(self.position) as feed:
                    self.position = feed.position or self.position
                    self._ready.set()
                    failures = 0
                    while True:
                        event = await feed.next()
                        self.position = event.position
                        self._dispatch(event)
            except asyncio.CancelledError:
                raise
            except PositionLost:
                log.error("messaging.feed_position_lost")
                self._fail_all(
                    ListenerFailed("the change history was lost", MessagingRefusal.RESUME_LOST)
                )
                self.position = None
            except Exception:  # right here: an outage (StoreUnavailable) or any failure of the
                # stream must not end the one listener all subscribers share: open it again
                log.warning("messaging.feed_failed", exc_info=True)
                if feed is not None:
                    self.position = feed.position or self.position
            await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
            failures += 1

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._fail_all(ListenerFailed("the service is stopping", MessagingRefusal.SERVICE_STOPPING))
