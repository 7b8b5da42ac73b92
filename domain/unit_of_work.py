"""Sessions scoped to a viewer: one transaction per use case, cheap reads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.events import PENDING_KEY
from domain.tenancy import bind_viewer
from domain.viewer import Viewer


class Database:
    """The session factories of one process: a writer and an autocommit reader."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._after_commit: list[Callable[[], None]] = []
        self._writer = async_sessionmaker(engine, expire_on_commit=False)
        # Reads need no transaction of their own: skipping BEGIN and ROLLBACK
        # saves two round trips on every query request.
        self._reader = async_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False,
        )

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` after every commit that recorded domain events."""
        self._after_commit.append(callback)

    @asynccontextmanager
    async def transaction(self, viewer: Viewer) -> AsyncIterator[AsyncSession]:
        """One use case: commit if the block returns, roll back if it raises."""
        async with self._writer() as session:
            bind_viewer(session.sync_session, viewer)
            async with session.begin():
                yield session
            if session.info.pop(PENDING_KEY, False):
                for callback in self._after_commit:
                    callback()

    def reader(self, viewer: Viewer | None) -> Reader:
        return Reader(self._reader, viewer)

    @asynccontextmanager
    async def reading(self, viewer: Viewer | None) -> AsyncIterator[AsyncSession]:
        """A read session of its own for `viewer`, closed when the block exits."""
        reader = self.reader(viewer)
        try:
            async with reader.session() as session:
                yield session
        finally:
            await reader.close()


class Reader:
    """One request's read session, opened on first use and shared in turn.

    GraphQL resolves sibling fields concurrently; an AsyncSession is not safe
    for that, so uses are serialised by a lock and batched by data loaders.
    """

    def __init__(
        self, factory: async_sessionmaker[AsyncSession], viewer: Viewer | None
    ) -> None:
        self._factory = factory
        self._viewer = viewer
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._session is None:
                self._session = self._factory()
                bind_viewer(self._session.sync_session, self._viewer)
            yield self._session

    async def close(self) -> None:
        """Close the session once no one is using it (a loader's batch may be)."""
        async with self._lock:
            if self._session is not None:
                session, self._session = self._session, None
                await session.close()
