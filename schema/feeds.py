"""How fresh the data of each outside feed is, as the API shows it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models.tracking import FeedCursor
from domain.services import feed_cursors
from schema.context import Info

DEFAULT_STALE_AFTER = timedelta(minutes=2)


async def feed_freshness(info: Info, source: str) -> feed_cursors.Freshness:
    """How fresh the data of one feed is; read once per request or event."""
    loader = info.context.loaders.batched("port.feeds", _feeds)
    row = await loader.load(source)
    stale_after = info.context.services.extras.get(
        "sync_stale_after", DEFAULT_STALE_AFTER
    )
    return feed_cursors.freshness(row, datetime.now(UTC), stale_after)


async def _feeds(
    session: AsyncSession, sources: Sequence[str]
) -> list[FeedCursor | None]:
    rows = await session.scalars(
        select(FeedCursor).where(FeedCursor.source.in_(sources))
    )
    found = {row.source: row for row in rows}
    return [found.get(source) for source in sources]
