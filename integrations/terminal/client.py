"""TerminalClient: the terminal's container event feed and manifests over HTTP."""

from __future__ import annotations

from urllib.parse import quote

import structlog

from domain.ports.terminal import ContainerEventPage, ManifestEntry
from integrations.feeds import FeedClient, build_feed_http
from integrations.terminal.wire import manifest_from_json, page_from_json

log = structlog.get_logger(__name__)

SYSTEM = "terminal"
build_terminal_http = build_feed_http


class TerminalClient(FeedClient):
    """The terminal's container events and manifests; implements TerminalSystem."""

    system = SYSTEM

    async def container_events_since(
        self, cursor: str | None, limit: int
    ) -> ContainerEventPage:
        """Up to `limit` events after `cursor`; the same cursor reads the same page."""
        page = await self._feed.page_since(
            "container_events_since",
            "/v1/container-events",
            cursor,
            limit,
            page_from_json,
        )
        log.debug(
            "terminal.events.read",
            cursor=cursor,
            next_cursor=page.next_cursor,
            events=len(page.events),
        )
        return page

    async def manifest(self, vessel_call_ref: str) -> list[ManifestEntry]:
        """The boxes to discharge from a vessel call."""
        url = f"/v1/vessel-calls/{quote(vessel_call_ref, safe='')}/manifest"
        return await self._feed.get("manifest", url, {}, manifest_from_json)
