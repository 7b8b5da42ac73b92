"""When Python's cycle collector may pause a server that holds thousands of sockets.

A full collection walks every tracked object. A process serving 5,000
subscriptions holds a few million of them, and a full collection takes half
a second or more; CPython starts one whenever a quarter more objects have
survived since the last, which happens over and over while sockets arrive,
so an event pushed then reaches every subscriber half a second late.

The objects of an open socket live as long as the socket, so the policy
keeps them out of the collector's walks: every `settle_seconds` it collects
the young generations (cheap, in proportion to what is new) and freezes what
survives (`gc.freeze`, which moves it aside without looking at it). A frozen
object that later becomes part of a garbage cycle (a closed socket's) is not
freed until the next reclaim: every `reclaim_seconds` everything is thawed,
collected once in full and frozen again. That full collection is the only
long pause left, once per reclaim period instead of every few seconds, and
what a closed socket leaves waits at most that long.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog

from dermaga.background import running_in_background

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CollectorPolicy:
    settle_seconds: float = 1.0
    reclaim_seconds: float = 600.0

    def settle(self) -> None:
        """Collect the young generations, then freeze everything still alive."""
        gc.collect(1)
        gc.freeze()

    def reclaim(self) -> int:
        """Thaw, collect in full and freeze again; how many objects were freed."""
        started = time.perf_counter()
        gc.unfreeze()
        freed = gc.collect()
        gc.freeze()
        log.debug(
            "gc.reclaimed",
            freed=freed,
            frozen=gc.get_freeze_count(),
            ms=round(1000 * (time.perf_counter() - started), 1),
        )
        return freed

    async def run(self) -> None:
        reclaimed = time.monotonic()
        while True:
            await asyncio.sleep(self.settle_seconds)
            if time.monotonic() - reclaimed >= self.reclaim_seconds:
                self.reclaim()
                reclaimed = time.monotonic()
            else:
                self.settle()


@contextlib.asynccontextmanager
async def managed_collection(policy: CollectorPolicy) -> AsyncIterator[None]:
    """Start from a clean, frozen heap (start-up's modules, schema, mappers) and
    keep the policy for as long as the app serves; thaw everything after."""
    policy.reclaim()
    try:
        async with running_in_background(policy.run(), "gc-policy"):
            yield
    finally:
        gc.unfreeze()
