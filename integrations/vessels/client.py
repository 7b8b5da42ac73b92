"""PhinnisiClient: the vessel management system's change feed over HTTP."""

from __future__ import annotations

import structlog

from domain.ports.vessels import VesselChangePage
from integrations.feeds import FeedClient, build_feed_http
from integrations.vessels.wire import page_from_json

log = structlog.get_logger(__name__)

SYSTEM = "phinnisi"
build_phinnisi_http = build_feed_http


class PhinnisiClient(FeedClient):
    """Phinnisi's vessels, calls and timestamps; implements VesselSystem."""

    system = SYSTEM

    async def changes_since(self, cursor: str | None, limit: int) -> VesselChangePage:
        """Up to `limit` changes after `cursor`; the same cursor reads the same page."""
        page = await self._feed.page_since(
            "changes_since", "/v1/changes", cursor, limit, page_from_json
        )
        log.debug(
            "phinnisi.changes.read",
            cursor=cursor,
            next_cursor=page.next_cursor,
            timestamps=len(page.timestamps),
        )
        return page
