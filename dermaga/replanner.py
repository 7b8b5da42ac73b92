"""The replanner: repair pickup plans at once when their inputs change, then improve.

It follows the channels of every current plan: `vessel-call:<id>` and
`discharge:<id>` of its vessel call (ETA moved, discharge slipped) and
`shipment:<id>` (inspection, customs, payment), plus `pickup-plans`, where
new plans and plans made stale by quota or yard changes are announced. An
event marks the touched plans stale; the worker claims stale plans with
SKIP LOCKED (so several processes share the work), repairs each (keep the
old plan, move only what no longer works), and then runs a full improvement
in the background that may move at most 1.5 times the bookings the repair
had to move, counted against the plan before the repair, and is kept only
if it is cheaper than the repaired plan.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator

import structlog

from dermaga.background import running_in_background
from domain.services import planning
from domain.services.plan_store import PLANS_CHANNEL
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from schema.subscriptions import EventHub

log = structlog.get_logger(__name__)

POLL_SECONDS = 5.0
# Our own booking and plan events, a feed's freshness turning and a request
# starting to follow its boxes do not change readiness or capacity.
IGNORED_KINDS = ("booking.", "pickup_plan.", "feed.", "tracking.")


class Replanner:
    """Follows plan inputs, repairs stale plans, improves them in the background."""

    def __init__(
        self, database: Database, hub: EventHub, *, improve_seconds: float = 5.0
    ) -> None:
        self._database = database
        self._hub = hub
        self._improve_seconds = improve_seconds
        self._wake = asyncio.Event()
        self._listeners: dict[str, asyncio.Task[None]] = {}
        self._improving: dict[uuid.UUID, asyncio.Task[None]] = {}

    def watching(self, channel: str) -> bool:
        """True once the replanner listens on `channel`."""
        return channel in self._listeners

    async def run(self) -> None:
        """Listen for announcements and repair stale plans until cancelled."""
        self._listeners[PLANS_CHANNEL] = asyncio.create_task(
            self._listen(PLANS_CHANNEL), name="replanner-plans"
        )
        try:
            while True:
                await self._step()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
                self._wake.clear()
        finally:
            await self._stop_all()

    async def _step(self) -> None:
        try:
            await self.follow()
            await self.repair_all()
        except Exception:
            log.exception("replanner.step_failed")

    async def follow(self) -> None:
        """Listen on the channels of every current plan, and on them only."""
        async with self._database.reading(SYSTEM) as session:
            pairs = await planning.watched(session)
        wanted = {PLANS_CHANNEL}
        for shipment_id, call_id in pairs:
            wanted.add(f"shipment:{shipment_id}")
            if call_id is not None:
                wanted |= {f"vessel-call:{call_id}", f"discharge:{call_id}"}
        for channel in wanted - set(self._listeners):
            self._listeners[channel] = asyncio.create_task(
                self._listen(channel), name=f"replanner:{channel}"
            )
        for channel in set(self._listeners) - wanted:
            self._listeners.pop(channel).cancel()

    async def repair_all(self) -> int:
        """Repair every stale plan; start an improvement of each one that changed."""
        repaired = 0
        failed: set[uuid.UUID] = set()
        while True:
            try:
                async with self._database.transaction(SYSTEM) as session:
                    outcome = await planning.repair_next(session, skip=failed)
            except planning.RepairFailed as error:
                # It stays stale for the next pass; the others go first.
                log.exception("replanner.repair_failed", plan=str(error.plan_id))
                failed.add(error.plan_id)
                continue
            if outcome is None:
                return repaired
            shipment_id, changed = outcome
            if changed:
                repaired += 1
                self._improve_later(shipment_id)

    async def _listen(self, channel: str) -> None:
        while True:
            try:
                async with self._hub.subscribe(channel) as messages:
                    async for raw in messages:
                        await self._on_message(channel, raw)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("replanner.listen_failed", channel=channel, exc_info=True)
                await asyncio.sleep(1.0)

    async def _on_message(self, channel: str, raw: str) -> None:
        kind = str(json.loads(raw).get("kind", "")) if raw else ""
        if kind.startswith(IGNORED_KINDS):
            return
        if channel != PLANS_CHANNEL:
            await self._mark(channel)
        log.info("replanner.event", channel=channel, kind=kind)
        self._wake.set()

    async def _mark(self, channel: str) -> None:
        """Mark the plans an event on `channel` touches as stale."""
        prefix, _, key = channel.partition(":")
        target = uuid.UUID(key)
        async with self._database.transaction(SYSTEM) as session:
            if prefix == "shipment":
                await planning.mark_stale(session, shipment_id=target)
            else:
                await planning.mark_stale(session, vessel_call_id=target)

    def _improve_later(self, shipment_id: uuid.UUID) -> None:
        running = self._improving.get(shipment_id)
        if running is not None and not running.done():
            running.cancel()
        self._improving[shipment_id] = asyncio.create_task(
            self._improve(shipment_id), name=f"replanner-improve:{shipment_id}"
        )

    async def _improve(self, shipment_id: uuid.UUID) -> None:
        """A re-solve off the event loop, within the move allowance; kept if cheaper."""
        try:
            async with self._database.transaction(SYSTEM) as session:
                job = await planning.improvement(session, shipment_id)
            if job is None:
                return
            result = await planning.solve_improvement(job, self._improve_seconds)
            async with self._database.transaction(SYSTEM) as session:
                await planning.save_improvement(session, job, result)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("replanner.improve_failed", shipment=str(shipment_id))
        finally:
            if self._improving.get(shipment_id) is asyncio.current_task():
                del self._improving[shipment_id]

    async def _stop_all(self) -> None:
        tasks = [*self._listeners.values(), *self._improving.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


@contextlib.asynccontextmanager
async def replanning(replanner: Replanner) -> AsyncIterator[None]:
    """Run the replanner for the lifespan of the app."""
    async with running_in_background(replanner.run(), "replanner"):
        yield
