"""Save an optimiser plan as a plan version with its items, and read one back."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import record
from domain.models.scheduling import (
    PickupPlan,
    PickupPlanItem,
    PlanReason,
    TruckBooking,
)
from domain.models.shipments import Shipment
from domain.services.plan_inputs import PlanInputs, PreferredWindow
from optimizer import (
    Alternative,
    Assignment,
    CostBreakdown,
    Explanation,
    Plan,
    Prepared,
    Readiness,
    UnassignedReason,
)

PLANS_CHANNEL = "pickup-plans"
"""The replanner's channel: new plans to watch, stale plans to repair."""


def plan_changed(session: AsyncSession, plan: PickupPlan) -> None:
    """Tell the shipment's subscribers that its current plan changed."""
    record(
        session,
        f"plan:{plan.shipment_id}",
        "pickup_plan.changed",
        shipmentId=str(plan.shipment_id),
        planId=str(plan.id),
    )


async def save_plan(
    session: AsyncSession,
    shipment: Shipment,
    inputs: PlanInputs,
    result: Plan,
    *,
    reason: PlanReason,
    previous: PickupPlan | None,
    windows: Sequence[PreferredWindow],
    now: datetime,
) -> PickupPlan:
    """Supersede the previous version, store this one, flag bookings it cannot keep."""
    if previous is not None:
        previous.superseded_at = now
        await session.flush()
    breakdown = result.cost
    row = PickupPlan(
        organisation_id=shipment.organisation_id,
        shipment_id=shipment.id,
        terminal=inputs.terminal,
        vessel_call_id=inputs.vessel_call_id,
        version=1 if previous is None else previous.version + 1,
        reason=reason,
        method=result.method,
        optimal=result.optimal,
        total_cost=breakdown.total - breakdown.moves,
        moved=result.moved,
        preferred_windows=[w.as_json() for w in windows],
        berth_at=inputs.berth_at,
        quay_cranes=inputs.config.quay_cranes,
        moves_per_crane_hour=inputs.config.moves_per_crane_hour,
    )
    session.add(row)
    await session.flush()

    prepared = Prepared(inputs.instance)
    for cid in inputs.containers:
        item = _item(inputs, prepared, result, row, cid)
        session.add(item)
        _flag_booking(inputs.bookings.get(cid), item, now)
    await session.flush()
    plan_changed(session, row)
    return row


async def plan_items(session: AsyncSession, plan_id: uuid.UUID) -> list[PickupPlanItem]:
    rows = await session.scalars(
        select(PickupPlanItem).where(PickupPlanItem.plan_id == plan_id)
    )
    return list(rows)


def optimiser_plan(row: PickupPlan, items: Sequence[PickupPlanItem]) -> Plan:
    """A stored version as the optimiser's previous plan (assignments only)."""
    assignments = {
        str(i.container_id): Assignment(
            str(i.container_id),
            str(i.slot_id),
            i.cost,
            i.deviation_minutes,
            i.storage_cost,
        )
        for i in items
        if i.slot_id is not None
    }
    return Plan(assignments, {}, CostBreakdown(), row.method, row.optimal)


def outline(items: Sequence[PickupPlanItem]) -> set[tuple[object, ...]]:
    """What a customer sees change between two versions of a plan."""
    return {
        (
            i.container_id,
            i.slot_id,
            i.ready_at,
            i.discharge_at,
            i.booking_at_risk,
            i.unassigned_reason,
        )
        for i in items
    }


def preview(
    inputs: PlanInputs, result: Plan, row: PickupPlan
) -> set[tuple[object, ...]]:
    """The outline a plan would have, without saving it."""
    prepared = Prepared(inputs.instance)
    return outline([_item(inputs, prepared, result, row, c) for c in inputs.containers])


def _item(
    inputs: PlanInputs,
    prepared: Prepared,
    result: Plan,
    row: PickupPlan,
    cid: str,
) -> PickupPlanItem:
    clock = inputs.clock
    container = inputs.containers[cid]
    ready = prepared.ready[cid]
    preferred = prepared.containers[cid].preferred
    chosen = result.assignments.get(cid)
    missing = result.unassigned.get(cid)
    explained = result.explanations.get(cid)
    booking = inputs.bookings.get(cid)
    return PickupPlanItem(
        organisation_id=row.organisation_id,
        plan_id=row.id,
        container_id=container.id,
        slot_id=None if chosen is None else uuid.UUID(chosen.slot_id),
        booking_id=None if booking is None else booking.id,
        booking_at_risk=booking is not None
        and (chosen is None or chosen.slot_id != str(booking.slot_id)),
        unassigned_reason=None if missing is None else missing.reason.name,
        detail=None if missing is None else _detail(missing.reason, ready, inputs),
        cost=0 if chosen is None else chosen.cost,
        deviation_minutes=0 if chosen is None else chosen.deviation_minutes,
        storage_cost=0 if chosen is None else chosen.storage_cost,
        storage_days=0 if explained is None else explained.storage_days,
        storage_step_at=_step_at(explained, inputs),
        storage_step_cost=0 if explained is None else explained.storage_step_cost,
        discharge_at=_moment(ready.discharged_at, inputs),
        discharge_estimated=container.discharged_at is None,
        ready_at=_moment(ready.ready_at, inputs),
        latest_at=_moment(ready.latest_end, inputs),
        preferred_from=None if preferred is None else clock.moment(preferred.start),
        preferred_to=None if preferred is None else clock.moment(preferred.end),
        alternatives=[] if explained is None else _alternatives(explained),
        assumed=inputs.assumed[cid],
    )


def _detail(reason: UnassignedReason, ready: Readiness, inputs: PlanInputs) -> str:
    if reason is UnassignedReason.HELD:
        return f"waiting for {ready.hold}; no time is known yet"
    if reason is UnassignedReason.NO_CAPACITY:
        return (
            "no slot the container could take has a free truck seat and yard-crane "
            "moves left in its block (a block at zero moves an hour is closed)"
        )
    ready_at = _moment(ready.ready_at, inputs)
    when = "an unknown time" if ready_at is None else ready_at.isoformat()
    return f"no open slot from when it is ready ({when}) within the next 7 days"


def _alternatives(explained: Explanation) -> list[dict[str, object]]:
    return [_alternative(a) for a in explained.alternatives]


def _alternative(alternative: Alternative) -> dict[str, object]:
    return {
        "slot_id": alternative.slot_id,
        "cost": alternative.cost,
        "deviation_minutes": alternative.deviation_minutes,
        "storage_cost": alternative.storage_cost,
        "full": alternative.full,
    }


def _step_at(explained: Explanation | None, inputs: PlanInputs) -> datetime | None:
    if explained is None or explained.storage_step_at is None:
        return None
    return inputs.clock.moment(explained.storage_step_at)


def _moment(minutes: int | None, inputs: PlanInputs) -> datetime | None:
    return None if minutes is None else inputs.clock.moment(minutes)


def _flag_booking(
    booking: TruckBooking | None, item: PickupPlanItem, now: datetime
) -> None:
    """Mark a booking the plan could not keep, with why; clear a kept one."""
    if booking is None:
        return
    if not item.booking_at_risk:
        booking.at_risk_since = None
        booking.at_risk_reason = None
        return
    booking.at_risk_since = booking.at_risk_since or now
    if item.slot_id is None:
        booking.at_risk_reason = item.detail
    elif item.ready_at is not None:
        booking.at_risk_reason = (
            "the booked slot no longer works (the container is ready at "
            f"{item.ready_at.isoformat()}, or the slot or its yard block is over "
            "capacity); see the plan's recommended slot and alternatives"
        )
