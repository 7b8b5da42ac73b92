"""PhinnisiClient: the vessel management system's change feed over HTTP."""

from __future__ import annotations

import httpx
import structlog

from domain.ports.vessels import VesselChangePage
from integrations.feeds import DEFAULT_TIMEOUT, FeedReader
from integrations.vessels.wire import page_from_json

log = structlog.get_logger(__name__)

SYSTEM = "phinnisi"


def build_phinnisi_http(
    base_url: str, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT
) -> httpx.AsyncClient:
    """The one HTTP client for Phinnisi, with explicit timeouts; the owner closes it."""
    return httpx.AsyncClient(base_url=base_url, timeout=timeout)


class PhinnisiClient:
    """Phinnisi's vessels, calls and timestamps; implements the domain's VesselSystem.

    `http` carries the base URL and timeouts (see build_phinnisi_http); whoever
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

    async def changes_since(self, cursor: str | None, limit: int) -> VesselChangePage:
        """Up to `limit` changes after `cursor`; the same cursor reads the same page."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["since"] = cursor
        page = await self._feed.get(
            "changes_since", "/v1/changes", params, page_from_json
        )
        log.debug(
            "phinnisi.changes.read",
            cursor=cursor,
            next_cursor=page.next_cursor,
            timestamps=len(page.timestamps),
        )
        return page
