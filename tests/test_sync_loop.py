"""A feed sync's loop outlives the feed and our own database failing together."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dermaga.sync import FeedSync
from domain.unit_of_work import Database
from domain.viewer import Viewer
from integrations.errors import TransientIntegrationError


@dataclass
class _Page:
    next_cursor: str | None = None
    has_more: bool = False


class _FlakyDatabase:
    """The session database, refusing its next `refusals` transactions."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.refusals = 0

    @contextlib.asynccontextmanager
    async def transaction(self, viewer: Viewer) -> AsyncIterator[AsyncSession]:
        if self.refusals > 0:
            self.refusals -= 1
            raise ConnectionRefusedError("the database is restarting")
        async with self.database.transaction(viewer) as session:
            yield session


async def test_the_sync_goes_on_when_noting_a_feed_failure_fails(
    database: Database,
) -> None:
    reads = 0
    applied = asyncio.Event()
    flaky = _FlakyDatabase(database)

    async def read(since: str | None, size: int) -> _Page:
        nonlocal reads
        reads += 1
        if reads <= 3:
            # The database goes down with the feed: noting the failure fails.
            flaky.refusals = 1
            raise TransientIntegrationError(
                "feed down", system="terminal", operation="read"
            )
        return _Page()

    async def apply(session: AsyncSession, page: _Page, **_: Any) -> None:
        applied.set()

    sync: FeedSync[_Page, None] = FeedSync(
        source="test-flaky-feed",
        database=flaky,  # type: ignore[arg-type]
        read=read,
        apply=apply,
        poll_s=0.01,
        max_backoff_s=0.02,
        stale_after=timedelta(seconds=60),
    )
    task = asyncio.create_task(sync.run())
    try:
        async with asyncio.timeout(10):
            await applied.wait()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    assert flaky.refusals == 0
    assert reads >= 4
