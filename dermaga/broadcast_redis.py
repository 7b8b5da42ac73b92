"""The hub's Redis backend: PUBLISH/SUBSCRIBE that survives a Redis restart.

Pub/sub channels are global to a Redis server whatever the database number,
so every channel carries the process group's prefix. The listening
connection fails loudly (no silent retries inside redis-py), so the backend
knows of every gap: it reconnects with backoff, subscribes again to every
channel its hub listens to, then asks the hub to resync its subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from redis import asyncio as redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from dermaga.broadcast import OnMessage, OnResync, backoff

log = structlog.get_logger(__name__)

# A channel nobody publishes to keeps the connection subscribed when the hub
# listens to nothing, so a lost connection shows even while idle.
KEEPALIVE = "hub-keepalive"
READ_TIMEOUT_S = 1.0


class RedisBackend:
    """Redis pub/sub with one listening connection per process."""

    def __init__(self, url: str, *, prefix: str = "") -> None:
        self._url = url
        self._prefix = prefix
        self._channels: set[str] = set()
        self._pubsub: PubSub | None = None
        self._task: asyncio.Task[None] | None = None
        self._publisher = redis.Redis.from_url(url, retry=Retry(NoBackoff(), 1))
        self._on_message: OnMessage | None = None
        self._on_resync: OnResync | None = None

    @property
    def connected(self) -> bool:
        return self._pubsub is not None

    async def start(self, on_message: OnMessage, on_resync: OnResync) -> None:
        self._on_message, self._on_resync = on_message, on_resync
        self._task = asyncio.create_task(self._run(), name="broadcast-redis")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._publisher.aclose()

    async def publish(self, channel: str, message: str) -> None:
        await self._publisher.publish(self._prefix + channel, message)

    async def listen(self, channel: str) -> None:
        self._channels.add(channel)
        if self._pubsub is not None:
            # On failure the reconnect subscribes to every channel again.
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.subscribe(self._prefix + channel)

    async def unlisten(self, channel: str) -> None:
        self._channels.discard(channel)
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(self._prefix + channel)

    async def _run(self) -> None:
        failures = 0
        while True:
            client = redis.Redis.from_url(self._url, retry=Retry(NoBackoff(), 0))
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await self._subscribe_all(pubsub)
                if failures:
                    log.info("broadcast.redis.reconnected", failures=failures)
                    assert self._on_resync is not None
                    self._on_resync()
                failures = 0
                await self._read(pubsub)
            except (RedisError, OSError) as error:
                self._pubsub = None
                failures += 1
                log.warning(
                    "broadcast.redis.lost", failures=failures, error=repr(error)
                )
                await asyncio.sleep(backoff(failures))
            finally:
                self._pubsub = None
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def _subscribe_all(self, pubsub: PubSub) -> None:
        channels = set(self._channels)
        await pubsub.subscribe(
            self._prefix + KEEPALIVE, *(self._prefix + c for c in channels)
        )
        self._pubsub = pubsub
        # Channels the hub began to listen to while this subscribed.
        late = self._channels - channels
        if late:
            await pubsub.subscribe(*(self._prefix + c for c in late))

    async def _read(self, pubsub: PubSub) -> None:
        assert self._on_message is not None
        cut = len(self._prefix)
        while True:
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=READ_TIMEOUT_S
            )
            if message is None or message["type"] != "message":
                continue
            channel = message["channel"].decode()[cut:]
            self._on_message(channel, message["data"].decode())
