"""The outbox relay: publish committed events to the broadcaster, at least once.

Each process runs one. Rows are claimed with FOR UPDATE SKIP LOCKED, so
several processes share the work and publish each row once in the normal
case; a crash between publish and commit publishes a row again, which
subscribers tolerate because messages only say what to reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Protocol

import structlog
from sqlalchemy import delete, func, select, update

from dermaga.background import running_in_background
from domain.models.outbox import OutboxEvent
from domain.unit_of_work import Database
from domain.viewer import SYSTEM

log = structlog.get_logger(__name__)
BATCH = 200
POLL_SECONDS = 1.0
KEEP_PUBLISHED = timedelta(hours=6)


class Publisher(Protocol):
    """Where the relay sends each event: the process's event hub."""

    async def publish(self, channel: str, message: str) -> None: ...


class OutboxRelay:
    def __init__(self, database: Database, broadcast: Publisher) -> None:
        self._database = database
        self._broadcast = broadcast
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that wrote events: relay them now."""
        self._wake.set()

    async def drain(self) -> int:
        """Publish every pending event; return how many went out."""
        total = 0
        while (published := await self._publish_batch()) > 0:
            total += published
        return total

    async def run(self) -> None:
        failures = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()
            try:
                await self.drain()
                failures = 0
            except Exception:
                failures += 1
                log.warning("outbox.relay_failed", failures=failures, exc_info=True)
                await asyncio.sleep(min(0.2 * 2**failures, 10.0))

    async def _publish_batch(self) -> int:
        async with self._database.transaction(SYSTEM) as session:
            rows = list(
                await session.scalars(
                    select(OutboxEvent)
                    .where(OutboxEvent.published_at.is_(None))
                    .order_by(OutboxEvent.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in rows:
                await self._broadcast.publish(row.channel, json.dumps(row.payload))
            if rows:
                await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_([row.id for row in rows]))
                    .values(published_at=func.now())
                )
                await session.execute(
                    delete(OutboxEvent).where(
                        OutboxEvent.published_at < func.now() - KEEP_PUBLISHED
                    )
                )
            return len(rows)


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[None]:
    async with running_in_background(relay.run(), "outbox-relay"):
        yield
