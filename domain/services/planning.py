"""Pickup plans: recommend, accept, and repair or improve after events.

The optimiser is synchronous CPU work; every solve runs in a worker thread
(asyncio.to_thread) under a time limit, so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy import or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ConflictError, NotFoundError
from domain.events import record
from domain.models.scheduling import (
    BookingStatus,
    PickupPlan,
    PickupPlanItem,
    PlanReason,
    TruckBooking,
)
from domain.models.shipments import Container, Shipment
from domain.services import bookings, plan_checks
from domain.services.plan_inputs import PlanInputs, PreferredWindow, load_inputs
from domain.services.plan_store import (
    PLANS_CHANNEL,
    optimiser_plan,
    outline,
    plan_changed,
    plan_items,
    preview,
    save_plan,
)
from domain.viewer import Viewer
from optimizer import Plan, SolveOptions, improve, repair, solve

log = structlog.get_logger(__name__)

RECOMMEND_SECONDS = 2.0
IMPROVE_SECONDS = 5.0
# A re-plan may move at most this many times the bookings that had to move.
MOVE_ALLOWANCE = 1.5


async def recommend_plan(
    session: AsyncSession,
    viewer: Viewer,
    *,
    shipment_id: uuid.UUID,
    windows: Sequence[PreferredWindow],
    now: datetime | None = None,
) -> PickupPlan:
    """Ask the optimiser for the shipment's best pickup slots; it becomes current."""
    at = now or datetime.now(UTC)
    shipment = await _shipment(session, shipment_id)
    plan_checks.check_stage(shipment)
    plan_checks.check_window_times(windows, at)
    previous = await current_plan(session, shipment.id, lock=True)
    inputs = await load_inputs(session, shipment, list(windows), at)
    plan_checks.check_windows(windows, inputs)

    options = SolveOptions(time_limit_s=RECOMMEND_SECONDS)
    result = await asyncio.to_thread(solve, inputs.instance, options)

    row = await save_plan(
        session,
        shipment,
        inputs,
        result,
        reason=PlanReason.REQUESTED,
        previous=previous,
        windows=windows,
        now=at,
    )
    record(session, PLANS_CHANNEL, "plan.created", shipmentId=str(shipment.id))
    log.info("plan.recommended", shipment=str(shipment.id), cost=row.total_cost)
    return row


async def current_plan(
    session: AsyncSession, shipment_id: uuid.UUID, *, lock: bool = False
) -> PickupPlan | None:
    """The shipment's current plan version, if the viewer may see it."""
    statement = select(PickupPlan).where(
        PickupPlan.shipment_id == shipment_id, PickupPlan.superseded_at.is_(None)
    )
    if lock:
        statement = statement.with_for_update()
    found: PickupPlan | None = await session.scalar(statement)
    return found


async def accept_plan(
    session: AsyncSession,
    viewer: Viewer,
    *,
    plan_id: uuid.UUID,
    truck: bookings.Truck,
    now: datetime | None = None,
) -> tuple[PickupPlan, list[TruckBooking]]:
    """Book every recommended slot: new bookings, moves of bookings it relocated.

    All or nothing: if any slot filled up since the plan was made, nothing
    is booked and the error names the container.
    """
    at = now or datetime.now(UTC)
    truck = truck.checked()
    plan = await _acceptable(session, plan_id)

    booked: list[TruckBooking] = []
    for item in await plan_items(session, plan.id):
        if item.slot_id is None:
            continue
        try:
            booking = await _book_item(session, viewer, item, item.slot_id, truck, at)
        except ConflictError as error:
            number = await session.scalar(
                select(Container.number).where(Container.id == item.container_id)
            )
            message = f"{error.message} (container {number})"
            raise ConflictError(message, code=error.code, field=("planId",)) from error
        # The version now shows the booking it made, in its slot.
        item.booking_id = booking.id
        item.booking_at_risk = False
        booked.append(booking)

    if plan.accepted_at is None:
        # Accepting again books nothing new: the version stays as it was.
        plan.accepted_at = at
        plan_changed(session, plan)
    log.info("plan.accepted", plan=str(plan.id), bookings=len(booked))
    return plan, booked


async def mark_stale(
    session: AsyncSession,
    *,
    terminal: str | None = None,
    vessel_call_id: uuid.UUID | None = None,
    shipment_id: uuid.UUID | None = None,
) -> int:
    """Mark the current plans an event touched for the replanner; count them."""
    touched = [
        c
        for c in (
            None if terminal is None else PickupPlan.terminal == terminal,
            None
            if vessel_call_id is None
            else PickupPlan.vessel_call_id == vessel_call_id,
            None if shipment_id is None else PickupPlan.shipment_id == shipment_id,
        )
        if c is not None
    ]
    if not touched:
        return 0
    # Plans of every organisation are touched by terminal-wide events.
    result = await session.execute(
        update(PickupPlan)
        .where(
            PickupPlan.superseded_at.is_(None),
            PickupPlan.stale_since.is_(None),
            or_(*touched),
        )
        .values(stale_since=datetime.now(UTC))
        .returning(PickupPlan.id),
        execution_options={"skip_tenancy": True, "synchronize_session": False},
    )
    count = len(result.all())
    if count:
        record(session, PLANS_CHANNEL, "plans.stale", count=str(count))
    return count


class RepairFailed(Exception):
    """Repairing one plan failed; the caller goes on with the others."""

    def __init__(self, plan_id: uuid.UUID) -> None:
        super().__init__(f"repairing plan {plan_id} failed")
        self.plan_id = plan_id


async def repair_next(
    session: AsyncSession,
    now: datetime | None = None,
    *,
    skip: Collection[uuid.UUID] = (),
) -> tuple[uuid.UUID, bool] | None:
    """Repair one stale plan (claimed with SKIP LOCKED): (shipment, changed), or None.

    The old plan is kept and only containers whose slot no longer works move
    (optimizer.repair); a new version is saved only if what the customer sees
    changed, else the plan is simply marked fresh. Plans in `skip` (their
    repair failed in this pass) wait for the next pass, so one bad plan
    never holds back the others.
    """
    at = now or datetime.now(UTC)
    plan = await session.scalar(
        select(PickupPlan)
        .where(
            PickupPlan.stale_since.is_not(None),
            PickupPlan.superseded_at.is_(None),
            PickupPlan.id.not_in(skip) if skip else true(),
        )
        .order_by(PickupPlan.stale_since)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if plan is None:
        return None
    try:
        return await _repair(session, plan, at)
    except Exception as error:
        raise RepairFailed(plan.id) from error


async def _repair(
    session: AsyncSession, plan: PickupPlan, at: datetime
) -> tuple[uuid.UUID, bool]:
    plan.stale_since = None
    shipment = await session.get_one(Shipment, plan.shipment_id)
    windows = [PreferredWindow.from_json(w) for w in plan.preferred_windows]
    inputs = await load_inputs(session, shipment, windows, at)
    items = await plan_items(session, plan.id)

    result = await asyncio.to_thread(
        repair, inputs.instance, optimiser_plan(plan, items)
    )

    if preview(inputs, result, plan) == outline(items):
        return shipment.id, False
    await save_plan(
        session,
        shipment,
        inputs,
        result,
        reason=PlanReason.REPAIRED,
        previous=plan,
        windows=windows,
        now=at,
    )
    log.info("plan.repaired", shipment=str(shipment.id), moved=result.moved)
    return shipment.id, True


@dataclass(frozen=True, slots=True)
class Improvement:
    """A snapshot to improve outside any transaction, and the version it came from.

    `previous` is the plan before the repair, the one the customer had; the
    improvement may move at most `max_moves` of its boxes.
    """

    plan_id: uuid.UUID
    version: int
    total_cost: int
    inputs: PlanInputs
    previous: Plan
    max_moves: int

    @property
    def booked(self) -> frozenset[tuple[str, str]]:
        """(container, slot) of each active booking the snapshot planned around."""
        return frozenset(
            (cid, str(row.slot_id)) for cid, row in self.inputs.bookings.items()
        )


async def improvement(
    session: AsyncSession, shipment_id: uuid.UUID, now: datetime | None = None
) -> Improvement | None:
    """What the background improvement of a shipment's repaired plan starts from.

    Only a repaired plan is improved: the repair moved the bookings that had
    to move, and the improvement may move half as many again
    (MOVE_ALLOWANCE), counted against the version before the repair.
    """
    plan = await current_plan(session, shipment_id)
    if plan is None or plan.stale_since is not None:
        return None
    if plan.reason is not PlanReason.REPAIRED:
        return None
    before = await session.scalar(
        select(PickupPlan).where(
            PickupPlan.shipment_id == shipment_id,
            PickupPlan.version == plan.version - 1,
        )
    )
    if before is None:
        return None
    shipment = await session.get_one(Shipment, shipment_id)
    windows = [PreferredWindow.from_json(w) for w in plan.preferred_windows]
    inputs = await load_inputs(session, shipment, windows, now or datetime.now(UTC))
    previous = optimiser_plan(before, await plan_items(session, before.id))
    budget = math.floor(MOVE_ALLOWANCE * plan.moved)
    return Improvement(plan.id, plan.version, plan.total_cost, inputs, previous, budget)


async def solve_improvement(job: Improvement, seconds: float = IMPROVE_SECONDS) -> Plan:
    """The cheapest plan found that moves at most the job's budget of bookings."""
    options = SolveOptions(time_limit_s=seconds)
    return await asyncio.to_thread(
        improve, job.inputs.instance, job.previous, (), options, job.max_moves
    )


async def save_improvement(
    session: AsyncSession, job: Improvement, result: Plan, now: datetime | None = None
) -> PickupPlan | None:
    """Keep the improved plan if it is cheaper and what it improves is still current."""
    if result.cost.total >= job.total_cost:
        return None
    plan = await session.scalar(
        select(PickupPlan)
        .where(PickupPlan.id == job.plan_id, PickupPlan.superseded_at.is_(None))
        .with_for_update()
    )
    if plan is None or plan.version != job.version or plan.stale_since is not None:
        return None
    # A booking made, moved or cancelled while the improvement solved (the
    # plan accepted, say) is not in its snapshot: it would move bookings
    # it never saw. The next event re-plans with them.
    if await _booked(session, job.inputs.containers) != job.booked:
        log.info("plan.improvement_outdated", shipment=str(plan.shipment_id))
        return None
    shipment = await session.get_one(Shipment, plan.shipment_id)
    windows = [PreferredWindow.from_json(w) for w in plan.preferred_windows]
    saved = await save_plan(
        session,
        shipment,
        job.inputs,
        result,
        reason=PlanReason.IMPROVED,
        previous=plan,
        windows=windows,
        now=now or datetime.now(UTC),
    )
    log.info("plan.improved", shipment=str(shipment.id), cost=saved.total_cost)
    return saved


async def _booked(
    session: AsyncSession, container_ids: Iterable[str]
) -> frozenset[tuple[str, str]]:
    rows = await session.execute(
        select(TruckBooking.container_id, TruckBooking.slot_id).where(
            TruckBooking.container_id.in_([uuid.UUID(c) for c in container_ids]),
            TruckBooking.status == BookingStatus.ACTIVE,
        )
    )
    return frozenset((str(container), str(slot)) for container, slot in rows.all())


async def watched(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
    """(shipment, vessel call) of every current plan: what the replanner follows."""
    rows = await session.execute(
        select(PickupPlan.shipment_id, PickupPlan.vessel_call_id).where(
            PickupPlan.superseded_at.is_(None)
        )
    )
    return [(shipment, call) for shipment, call in rows.all()]


async def _shipment(session: AsyncSession, shipment_id: uuid.UUID) -> Shipment:
    shipment = await session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFoundError("no such shipment", field=("shipmentId",))
    return shipment


async def _acceptable(session: AsyncSession, plan_id: uuid.UUID) -> PickupPlan:
    plan = await session.scalar(
        select(PickupPlan).where(PickupPlan.id == plan_id).with_for_update()
    )
    if plan is None:
        raise NotFoundError("no such plan", field=("planId",))
    if plan.superseded_at is not None:
        raise ConflictError(
            "a newer plan replaced this one; accept the current plan",
            code="PLAN_SUPERSEDED",
            field=("planId",),
        )
    if plan.stale_since is not None:
        raise ConflictError(
            "the plan is being re-planned after a change; try again shortly",
            code="PLAN_STALE",
            field=("planId",),
        )
    return plan


async def _book_item(
    session: AsyncSession,
    viewer: Viewer,
    item: PickupPlanItem,
    slot_id: uuid.UUID,
    truck: bookings.Truck,
    at: datetime,
) -> TruckBooking:
    active = await session.scalar(
        select(TruckBooking).where(
            TruckBooking.container_id == item.container_id,
            TruckBooking.status == BookingStatus.ACTIVE,
        )
    )
    if active is None:
        return await bookings.book_pickup(
            session,
            viewer,
            container_id=item.container_id,
            slot_id=slot_id,
            truck=truck,
            now=at,
        )
    if active.slot_id == slot_id:
        return active
    return await bookings.reschedule_booking(
        session, viewer, booking_id=active.id, slot_id=slot_id, truck=truck, now=at
    )
