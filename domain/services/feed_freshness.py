"""Telling subscribers that a feed went stale, or is fresh again.

Freshness is a matter of the clock (feed_cursors.freshness): nothing in the
database changes when a feed falls silent. The sync that notices announces
it on the channels of the calls it feeds, so a client watching a vessel
call or its discharge sees `stale` turn at once instead of at the next change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import events
from domain.models.port import VesselCall
from domain.models.tracking import FeedCursor
from domain.services import feed_cursors
from domain.vessel_events import VesselCallStatus

FEED_FRESHNESS = "feed.freshness"
# Calls that departed, or that no feed has touched for this long, show no one
# anything new.
RECENT = timedelta(days=7)


async def is_stale(
    session: AsyncSession, source: str, now: datetime, stale_after: timedelta
) -> bool:
    """Whether the feed counts as stale at `now`."""
    row = await session.scalar(select(FeedCursor).where(FeedCursor.source == source))
    return feed_cursors.freshness(row, now, stale_after).stale


async def announce(session: AsyncSession, source: str, now: datetime) -> int:
    """Announce a change of the feed's freshness to its calls; how many calls."""
    rows = await session.execute(
        select(VesselCall.id, VesselCall.port).where(
            VesselCall.status != VesselCallStatus.DEPARTED,
            VesselCall.updated_at > now - RECENT,
        )
    )
    calls = rows.all()
    for call_id, port in calls:
        if source == feed_cursors.VESSELS:
            channels = [events.vessel_call_channel(call_id), events.port_channel(port)]
        else:
            channels = [events.discharge_channel(call_id)]
        for channel in channels:
            events.record(
                session, channel, FEED_FRESHNESS, vesselCallId=str(call_id), feed=source
            )
    return len(calls)
