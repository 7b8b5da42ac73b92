"""The event hub: `broadcaster.Broadcast` made safe to hold thousands of sockets.

Events go through the library: the hub subscribes to each channel once per
process with `Broadcast.subscribe` and hands every event to the local
subscribers' bounded queues; a subscriber whose queue is full is dropped
(SlowConsumerError), so a stalled client never grows the server's memory
(the library's own queues are unbounded, one per subscription, which is why
sockets never subscribe to it directly). Under the library sit our own
backends (memory, Redis, Postgres), wrapped as one `BroadcastBackend`: the
library's Redis backend never reconnects, ours reconnect with backoff after
the broker restarts, listen again to every channel, and tell each subscriber
to resync (schema.subscriptions.RESYNC): messages only say what to reload, so
a reload covers whatever the gap held.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sized
from typing import Protocol
from urllib.parse import urlparse

import structlog
from broadcaster import Broadcast, BroadcastBackend, Event

from schema.subscriptions import RESYNC, SlowConsumerError

log = structlog.get_logger(__name__)

OnMessage = Callable[[str, str], None]
OnResync = Callable[[], None]
RECONNECT_BACKOFF_S = (0.1, 5.0)


class Backend(Protocol):
    """A broker's publish/subscribe, listening to each channel at most once."""

    async def start(self, on_message: OnMessage, on_resync: OnResync) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, channel: str, message: str) -> None: ...
    async def listen(self, channel: str) -> None: ...
    async def unlisten(self, channel: str) -> None: ...
    @property
    def connected(self) -> bool: ...


class Subscription:
    """One subscriber's bounded queue of messages on one channel.

    A subscription shared by several listeners (one execution for many
    sockets) names them as its `audience`; it counts as that many subscribers.
    """

    def __init__(self, channel: str, size: int, audience: Sized | None = None) -> None:
        self.channel = channel
        self.dropped = False
        self._audience = audience
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=size)

    @property
    def listeners(self) -> int:
        """The subscribers this queue stands for: one, or its audience now."""
        return 1 if self._audience is None else len(self._audience)

    def offer(self, message: str) -> bool:
        """Queue a message; False (and dropped) if the subscriber is a queue behind."""
        if self.dropped:
            return False
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            # Free the backlog at once and wake the reader to its end.
            self.dropped = True
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait("")
            return False
        return True

    def __aiter__(self) -> AsyncIterator[str]:
        return self

    async def __anext__(self) -> str:
        message = await self._queue.get()
        if self.dropped:
            raise SlowConsumerError(self.channel)
        return message


class EventHub:
    """Publish to channels and subscribe with bounded queues; one per process."""

    def __init__(self, backend: Backend, *, queue_size: int = 256) -> None:
        self._backend = backend
        self._broadcast = Broadcast(backend=_LibraryBackend(backend))
        self._queue_size = queue_size
        self._subscribers: dict[str, set[Subscription]] = {}
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        await self._broadcast.connect()

    async def disconnect(self) -> None:
        for channel in list(self._readers):
            await self._stop_reading(channel)
        await self._broadcast.disconnect()

    @property
    def connected(self) -> bool:
        """The backend is reachable right now."""
        return self._backend.connected

    @property
    def queue_size(self) -> int:
        """Messages a subscriber may fall behind before it is dropped."""
        return self._queue_size

    async def publish(self, channel: str, message: str) -> None:
        """Send a message to every process's subscribers of `channel`."""
        await self._broadcast.publish(channel, message)

    @contextlib.asynccontextmanager
    async def subscribe(
        self, channel: str, audience: Sized | None = None
    ) -> AsyncIterator[Subscription]:
        """A bounded subscription to `channel`, removed when the block exits."""
        subscription = Subscription(channel, self._queue_size, audience)
        async with self._lock:
            local = self._subscribers.setdefault(channel, set())
            if not local:
                await self._start_reading(channel)
            local.add(subscription)
        try:
            yield subscription
        finally:
            await self._leave(subscription)

    def subscriber_count(self, channel: str | None = None) -> int:
        """Subscribers here of one channel, or of all; a shared queue counts each."""
        if channel is not None:
            return sum(s.listeners for s in self._subscribers.get(channel, ()))
        return sum(s.listeners for local in self._subscribers.values() for s in local)

    def queue_count(self, channel: str | None = None) -> int:
        """Local queues of one channel, or of all: what the hub fans out to."""
        if channel is not None:
            return len(self._subscribers.get(channel, ()))
        return sum(len(local) for local in self._subscribers.values())

    async def _start_reading(self, channel: str) -> None:
        """Subscribe to the library once for the channel; return once listening."""
        listening = asyncio.get_running_loop().create_future()

        async def read() -> None:
            try:
                async with self._broadcast.subscribe(channel) as events:
                    listening.set_result(None)
                    while True:
                        event = await events.get()
                        self._deliver(channel, event.message)
            except BaseException as error:
                if not listening.done():
                    listening.set_exception(error)
                raise

        self._readers[channel] = asyncio.create_task(read(), name=f"hub:{channel}")
        try:
            await listening
        except BaseException:
            self._readers.pop(channel, None)
            raise

    async def _stop_reading(self, channel: str) -> None:
        reader = self._readers.pop(channel, None)
        if reader is None:
            return
        reader.cancel()
        with contextlib.suppress(BaseException):
            await reader

    async def _leave(self, subscription: Subscription) -> None:
        async with self._lock:
            local = self._subscribers.get(subscription.channel, set())
            local.discard(subscription)
            if not local:
                self._subscribers.pop(subscription.channel, None)
                await self._stop_reading(subscription.channel)

    def _deliver(self, channel: str, message: str) -> None:
        for subscription in list(self._subscribers.get(channel, ())):
            if not subscription.offer(message):
                # Out of the fan-out now; its task sees the drop and closes.
                self._subscribers[channel].discard(subscription)


class _LibraryBackend(BroadcastBackend):
    """One of our reconnecting backends, as the library's backend.

    What the broker delivers (and a resync after a reconnect, as a RESYNC
    event on every channel listened to) waits here for the library's
    listener, which takes each at once and hands it to the hub's reader of
    that channel: one reader per channel per process, so nothing piles up.
    """

    def __init__(self, backend: Backend) -> None:
        # BroadcastBackend.__init__ parses a URL; ours is built already.
        self._backend = backend
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._channels: set[str] = set()

    async def connect(self) -> None:
        await self._backend.start(self._message, self._resync)

    async def disconnect(self) -> None:
        await self._backend.stop()

    async def subscribe(self, group: str) -> None:
        self._channels.add(group)
        await self._backend.listen(group)

    async def unsubscribe(self, group: str) -> None:
        self._channels.discard(group)
        with contextlib.suppress(Exception):
            await self._backend.unlisten(group)

    async def publish(self, channel: str, message: object) -> None:
        await self._backend.publish(channel, str(message))

    async def next_published(self) -> Event:
        return await self._events.get()

    def _message(self, channel: str, message: str) -> None:
        self._events.put_nowait(Event(channel, message))

    def _resync(self) -> None:
        for channel in list(self._channels):
            self._events.put_nowait(Event(channel, RESYNC))


def create_backend(url: str, *, prefix: str = "") -> Backend:
    """The backend a DERMAGA_BROADCAST_URL names: memory, redis or postgres."""
    scheme = urlparse(url).scheme
    if scheme == "memory":
        return MemoryBackend()
    if scheme in ("redis", "rediss"):
        from dermaga.broadcast_redis import RedisBackend

        return RedisBackend(url, prefix=prefix)
    if scheme in ("postgres", "postgresql"):
        from dermaga.broadcast_postgres import PostgresBackend

        return PostgresBackend(url, prefix=prefix)
    raise ValueError(f"unsupported broadcast URL scheme {scheme!r}")


class MemoryBackend:
    """One process only: publishing hands the message straight to the hub."""

    def __init__(self) -> None:
        self._on_message: OnMessage | None = None
        self._channels: set[str] = set()

    async def start(self, on_message: OnMessage, on_resync: OnResync) -> None:
        self._on_message = on_message

    async def stop(self) -> None:
        self._on_message = None

    async def publish(self, channel: str, message: str) -> None:
        if self._on_message is not None and channel in self._channels:
            self._on_message(channel, message)

    async def listen(self, channel: str) -> None:
        self._channels.add(channel)

    async def unlisten(self, channel: str) -> None:
        self._channels.discard(channel)

    @property
    def connected(self) -> bool:
        return self._on_message is not None


def backoff(failures: int) -> float:
    """Seconds to wait before reconnecting after `failures` failures in a row."""
    low, high = RECONNECT_BACKOFF_S
    return float(min(low * 2 ** max(failures - 1, 0), high))
