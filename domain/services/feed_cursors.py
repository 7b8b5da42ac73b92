"""Where each outside feed's sync stands: its cursor, freshness and failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models.tracking import FeedCursor

VESSELS = "phinnisi"
TERMINAL = "terminal"


@dataclass(frozen=True, slots=True)
class Freshness:
    """When a feed was last read to its end, and whether that is too long ago."""

    last_synced_at: datetime | None
    stale: bool


def freshness(
    row: FeedCursor | None, now: datetime, stale_after: timedelta
) -> Freshness:
    """A feed never read, or not read within `stale_after`, is stale."""
    synced = row.last_synced_at if row is not None else None
    return Freshness(synced, synced is None or now - synced > stale_after)


async def current_cursor(session: AsyncSession, source: str) -> str | None:
    """The cursor to read the feed on from; None reads from its beginning."""
    return await session.scalar(
        select(FeedCursor.cursor).where(FeedCursor.source == source)
    )


async def claim(
    session: AsyncSession, source: str, since: str | None
) -> FeedCursor | None:
    """Lock the feed's cursor for this transaction if it still stands at `since`.

    None means another worker applied the page meanwhile: the caller drops
    its page and reads again, so processes syncing together apply each page once.
    """
    await session.execute(
        insert(FeedCursor)
        .values(source=source, failures=0)
        .on_conflict_do_nothing(index_elements=[FeedCursor.source])
    )
    row = await session.scalar(
        select(FeedCursor)
        .where(FeedCursor.source == source)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or row.cursor != since:
        return None
    return row


def advance(row: FeedCursor, next_cursor: str | None, now: datetime) -> None:
    """The page is applied: read on from `next_cursor`; the feed answered at `now`."""
    if next_cursor is not None:
        row.cursor = next_cursor
    row.last_synced_at = now
    row.last_attempt_at = now
    row.failures = 0
    row.last_error = None


async def record_failure(
    session: AsyncSession, source: str, error: str, now: datetime
) -> int:
    """Note a failed read; returns how many reads in a row have failed."""
    statement = (
        insert(FeedCursor)
        .values(source=source, failures=1, last_error=error[:500], last_attempt_at=now)
        .on_conflict_do_update(
            index_elements=[FeedCursor.source],
            set_={
                "failures": FeedCursor.failures + 1,
                "last_error": error[:500],
                "last_attempt_at": now,
            },
        )
        .returning(FeedCursor.failures)
    )
    return int((await session.execute(statement)).scalar_one())
