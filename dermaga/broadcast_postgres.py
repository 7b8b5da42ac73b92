"""The hub's PostgreSQL backend: LISTEN/NOTIFY that survives a server restart.

One connection listens to every channel the hub needs; another publishes
with pg_notify under a lock (an asyncpg connection runs one query at a
time). A lost listening connection is noticed by asyncpg's termination
callback or by a periodic ping; the backend reconnects with backoff, listens
again to every channel, then asks the hub to resync its subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import structlog

from dermaga.broadcast import OnMessage, OnResync, backoff

log = structlog.get_logger(__name__)

PING_EVERY_S = 5.0
CONNECT_TIMEOUT_S = 5.0


# PostgreSQL's identifiers, channel names among them, hold 63 bytes.
MAX_CHANNEL_BYTES = 63


class PostgresBackend:
    """PostgreSQL LISTEN/NOTIFY with one listening connection per process."""

    def __init__(self, url: str, *, prefix: str = "") -> None:
        self._url = url.replace("+asyncpg", "", 1)
        self._prefix = prefix
        self._channels: set[str] = set()
        # The channels listened to, by the name PostgreSQL knows them by.
        self._by_wire: dict[str, str] = {}
        self._listener: asyncpg.Connection | None = None
        self._publisher: asyncpg.Connection | None = None
        self._publish_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._on_message: OnMessage | None = None
        self._on_resync: OnResync | None = None

    @property
    def connected(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()

    async def start(self, on_message: OnMessage, on_resync: OnResync) -> None:
        self._on_message, self._on_resync = on_message, on_resync
        self._task = asyncio.create_task(self._run(), name="broadcast-postgres")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for connection in (self._listener, self._publisher):
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.close()

    async def publish(self, channel: str, message: str) -> None:
        async with self._publish_lock:
            if self._publisher is None or self._publisher.is_closed():
                self._publisher = await asyncpg.connect(
                    self._url, timeout=CONNECT_TIMEOUT_S
                )
            try:
                await self._publisher.execute(
                    "SELECT pg_notify($1, $2)", self._wire(channel), message
                )
            except (asyncpg.PostgresError, OSError):
                await self._publisher.close()
                self._publisher = None
                raise

    async def listen(self, channel: str) -> None:
        self._channels.add(channel)
        self._by_wire[self._wire(channel)] = channel
        if self.connected:
            assert self._listener is not None
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                await self._listener.add_listener(self._wire(channel), self._notify)

    async def unlisten(self, channel: str) -> None:
        self._channels.discard(channel)
        self._by_wire.pop(self._wire(channel), None)
        if self.connected:
            assert self._listener is not None
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                await self._listener.remove_listener(self._wire(channel), self._notify)

    async def _run(self) -> None:
        failures = 0
        while True:
            lost = asyncio.Event()
            try:
                await self._connect(lost)
                if failures:
                    log.info("broadcast.postgres.reconnected", failures=failures)
                    assert self._on_resync is not None
                    self._on_resync()
                failures = 0
                await self._watch(lost)
            except (asyncpg.PostgresError, OSError, TimeoutError) as error:
                failures += 1
                log.warning(
                    "broadcast.postgres.lost", failures=failures, error=repr(error)
                )
            finally:
                listener, self._listener = self._listener, None
                if listener is not None:
                    with contextlib.suppress(Exception):
                        await listener.close()
            await asyncio.sleep(backoff(max(failures, 1)))

    async def _connect(self, lost: asyncio.Event) -> None:
        listener = await asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT_S)
        listener.add_termination_listener(lambda _: lost.set())
        self._listener = listener
        for channel in list(self._channels):
            await listener.add_listener(self._wire(channel), self._notify)

    async def _watch(self, lost: asyncio.Event) -> None:
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), PING_EVERY_S)
            if not lost.is_set():
                assert self._listener is not None
                await self._listener.execute("SELECT 1", timeout=CONNECT_TIMEOUT_S)
        raise ConnectionResetError("the listening connection closed")

    def _wire(self, channel: str) -> str:
        """The name PostgreSQL knows the channel by: prefixed, at most 63 bytes.

        PostgreSQL cuts identifiers at 63 bytes, so two long channels could
        meet under one name; a longer name goes by a digest of itself.
        """
        name = self._prefix + channel
        if len(name.encode()) <= MAX_CHANNEL_BYTES:
            return name
        return "h:" + hashlib.sha256(name.encode()).hexdigest()[:48]

    def _notify(self, *args: Any) -> None:
        _connection, _pid, wire, payload = args
        assert self._on_message is not None
        channel = self._by_wire.get(wire)
        if channel is not None:
            self._on_message(channel, payload)
