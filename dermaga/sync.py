"""Background syncs of the port's feeds: Phinnisi's vessel calls, terminal events.

Each sync reads its feed from the cursor stored in the database, applies
every page in a transaction of its own (domain.services.*_sync) and sleeps a
poll interval once the feed is read to its end. While a feed is down it
backs off exponentially and notes the failure; the API keeps answering from
what it has, with `stale` set (announced to the subscribers of the feed's
calls when it turns, both ways), and the sync catches up when the feed returns.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Generic, Protocol, TypeVar

import structlog

from dermaga.settings import Settings
from domain.ports.terminal import ContainerEventPage
from domain.ports.vessels import VesselChangePage
from domain.services import feed_cursors, feed_freshness, terminal_sync, vessel_sync
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from integrations.errors import IntegrationError, PermanentIntegrationError
from integrations.terminal.client import TerminalClient, build_terminal_http
from integrations.vessels.client import PhinnisiClient, build_phinnisi_http

log = structlog.get_logger(__name__)


class Page(Protocol):
    @property
    def next_cursor(self) -> str | None: ...
    @property
    def has_more(self) -> bool: ...


P = TypeVar("P", bound=Page)
R = TypeVar("R")
ReadPage = Callable[[str | None, int], Awaitable[P]]
ApplyPage = Callable[..., Awaitable[R]]
AfterApply = Callable[[R], Awaitable[None]]


@dataclass
class FeedSync(Generic[P, R]):
    """Poll one feed and apply its pages, at most once each, across processes."""

    source: str
    database: Database
    read: ReadPage[P]
    apply: ApplyPage[R]
    poll_s: float
    max_backoff_s: float
    page_size: int = 500
    after: AfterApply[R] | None = None
    # When the feed counts as stale; its calls' subscribers are told when
    # it turns stale and when it is fresh again.
    stale_after: timedelta | None = None
    _shown_stale: bool = field(default=False, init=False)

    async def sync_once(self) -> int:
        """Read the feed to its end; return how many pages were applied."""
        applied = 0
        while True:
            async with self.database.transaction(SYSTEM) as session:
                since = await feed_cursors.current_cursor(session, self.source)
            page = await self.read(since, self.page_size)
            async with self.database.transaction(SYSTEM) as session:
                result = await self.apply(session, page, since=since, now=_now())
            if self.after is not None:
                await self.after(result)
            applied += 1
            if not page.has_more:
                return applied

    async def run(self) -> None:
        """Sync for ever: poll when caught up, back off while the feed fails."""
        failures = 0
        while True:
            error: IntegrationError | None = None
            try:
                try:
                    await self.sync_once()
                    failures = 0
                except IntegrationError as failed:
                    error = failed
                    failures = await self._failed(failed)
                if error is not None or self._shown_stale:
                    await self._tell_freshness()
            except Exception:
                # Our own database failing too (noting the failure included)
                # must not end the loop: the sync outlives both outages.
                log.exception("sync.failed", source=self.source)
                failures += 1
            if failures == 0:
                await asyncio.sleep(self.poll_s)
            else:
                await asyncio.sleep(self._backoff(failures, error))

    async def _failed(self, error: IntegrationError) -> int:
        async with self.database.transaction(SYSTEM) as session:
            failures = await feed_cursors.record_failure(
                session, self.source, error.message, _now()
            )
        log.warning(
            "sync.feed_unavailable",
            source=self.source,
            failures=failures,
            error=error.message,
        )
        return failures

    async def _tell_freshness(self) -> None:
        """Announce a turn of the feed's freshness to its calls' subscribers."""
        if self.stale_after is None:
            return
        now = _now()
        async with self.database.transaction(SYSTEM) as session:
            stale = await feed_freshness.is_stale(
                session, self.source, now, self.stale_after
            )
            if stale == self._shown_stale:
                return
            calls = await feed_freshness.announce(session, self.source, now)
        self._shown_stale = stale
        log.info("sync.freshness", source=self.source, stale=stale, calls=calls)

    def _backoff(self, failures: int, error: IntegrationError | None) -> float:
        # A refusal (4xx) will not cure itself soon: wait the longest.
        if isinstance(error, PermanentIntegrationError):
            return self.max_backoff_s
        return float(min(self.poll_s * 2 ** min(failures, 16), self.max_backoff_s))


def _now() -> datetime:
    return datetime.now(UTC)


VesselFeedSync = FeedSync[VesselChangePage, vessel_sync.VesselSyncResult]
TerminalFeedSync = FeedSync[ContainerEventPage, terminal_sync.TerminalSyncResult]


def vessel_feed_sync(
    database: Database, client: PhinnisiClient, settings: Settings
) -> VesselFeedSync:
    """The sync of Phinnisi's change feed into vessels, calls and timestamps."""
    return FeedSync(
        feed_cursors.VESSELS,
        database,
        client.changes_since,
        vessel_sync.apply_vessel_changes,
        poll_s=settings.vessel_poll_seconds,
        max_backoff_s=settings.sync_max_backoff_seconds,
        page_size=settings.sync_page_size,
        stale_after=timedelta(seconds=settings.sync_stale_seconds),
    )


def terminal_feed_sync(
    database: Database, client: TerminalClient, settings: Settings
) -> TerminalFeedSync:
    """The sync of the terminal's container events, and of the manifests they need."""

    async def fetch_manifests(result: terminal_sync.TerminalSyncResult) -> None:
        for call_id, call_ref in result.unmanifested.items():
            entries = await client.manifest(call_ref)
            async with database.transaction(SYSTEM) as session:
                await terminal_sync.record_manifest(
                    session, call_id, len(entries), _now()
                )

    return FeedSync(
        feed_cursors.TERMINAL,
        database,
        client.container_events_since,
        terminal_sync.apply_container_events,
        poll_s=settings.terminal_poll_seconds,
        max_backoff_s=settings.sync_max_backoff_seconds,
        page_size=settings.sync_page_size,
        after=fetch_manifests,
        stale_after=timedelta(seconds=settings.sync_stale_seconds),
    )


@dataclass
class Syncs:
    """The feed syncs of this process, for the lifespan and for tests."""

    vessels: VesselFeedSync | None = None
    terminal: TerminalFeedSync | None = None


@contextlib.asynccontextmanager
async def running_syncs(
    database: Database, settings: Settings, *, start: bool = True
) -> AsyncIterator[Syncs]:
    """Open a client per configured feed and run its sync until the block exits."""
    syncs = Syncs()
    async with contextlib.AsyncExitStack() as stack:
        if settings.vessels_url:
            http = await stack.enter_async_context(
                build_phinnisi_http(settings.vessels_url)
            )
            client = PhinnisiClient(
                http,
                settings.vessels_api_key.get_secret_value(),
                attempts=settings.sync_attempts,
            )
            syncs.vessels = vessel_feed_sync(database, client, settings)
        if settings.terminal_url:
            http = await stack.enter_async_context(
                build_terminal_http(settings.terminal_url)
            )
            terminal = TerminalClient(
                http,
                settings.terminal_api_key.get_secret_value(),
                attempts=settings.sync_attempts,
            )
            syncs.terminal = terminal_feed_sync(database, terminal, settings)
        tasks = [
            asyncio.create_task(sync.run(), name=f"sync-{sync.source}")
            for sync in _each(syncs)
            if start
        ]
        try:
            yield syncs
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def _each(syncs: Syncs) -> list[FeedSync[Page, object]]:
    found: list[FeedSync[Page, object]] = []
    for sync in (syncs.vessels, syncs.terminal):
        if sync is not None:
            found.append(sync)  # type: ignore[arg-type]
    return found
