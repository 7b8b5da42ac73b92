"""TerminalClient: the terminal's container event feed and manifests over HTTP."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import structlog

from domain.ports.terminal import ContainerEventPage, ManifestEntry
from integrations.feeds import DEFAULT_TIMEOUT, FeedReader
from integrations.terminal.wire import manifest_from_json, page_from_json

log = structlog.get_logger(__name__)

SYSTEM = "terminal"


def build_terminal_http(
    base_url: str, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT
) -> httpx.AsyncClient:
    """The one HTTP client for the terminal, with explicit timeouts; owner closes it."""
    return httpx.AsyncClient(base_url=base_url, timeout=timeout)


class TerminalClient:
    """The terminal's container events and manifests; implements TerminalSystem.

    `http` carries the base URL and timeouts (see build_terminal_http); whoever
    builds it closes it. Transient failures are retried `attempts` times in all.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        *,
        attempts: int = 3,
        backoff_s: float = 0.2,
        max_backoff_s: float = 2.0,
    ) -> None:
        self._feed = FeedReader(
            http,
            api_key,
            system=SYSTEM,
            attempts=attempts,
            backoff_s=backoff_s,
            max_backoff_s=max_backoff_s,
        )

    async def container_events_since(
        self, cursor: str | None, limit: int
    ) -> ContainerEventPage:
        """Up to `limit` events after `cursor`; the same cursor reads the same page."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["since"] = cursor
        page = await self._feed.get(
            "container_events_since", "/v1/container-events", params, page_from_json
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
