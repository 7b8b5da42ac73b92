"""A shipment's recommended pickup plans, line by line, as the API shows them."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Self

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.models import scheduling as models
from domain.models.shipments import Container as ContainerRow
from domain.models.shipments import Shipment as ShipmentRow
from schema.context import Info
from schema.relay import load_nodes
from schema.scalars import Money
from schema.scheduling import PickupSlot, TruckBooking, container_of, slot_of
from schema.shipments import Container, Shipment

strawberry.enum(
    models.PlanReason,
    description="Why a plan version was made: asked for, repaired after an "
    "event, or improved in the background.",
)
PlanReason = models.PlanReason


@strawberry.enum(description="Why a container has no recommended slot.")
class UnassignedReason(enum.Enum):
    HELD = "HELD"
    NO_SLOT_IN_WINDOW = "NO_SLOT_IN_WINDOW"
    NO_CAPACITY = "NO_CAPACITY"


def _rupiah(amount: int) -> Money:
    return Money(amount=Decimal(amount))


@strawberry.type(description="A span of time a customer prefers for pickup.")
class TimeWindow:
    start: datetime = strawberry.field(name="from", description="Start of it.")
    end: datetime = strawberry.field(name="to", description="End of it (exclusive).")


@strawberry.type(description="Another slot the container could take, and its cost.")
class SlotAlternative:
    cost: Money = strawberry.field(
        description="Its cost to the plan: deviation from the preferred window "
        "plus storage."
    )
    storage_cost: Money = strawberry.field(description="Storage until that slot.")
    deviation_minutes: int = strawberry.field(
        description="Minutes outside the preferred window."
    )
    full: bool = strawberry.field(description="No room left for it in this plan.")
    slot_key: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The slot.")
    async def slot(self, info: Info) -> PickupSlot | None:
        return await slot_of(info, self.slot_key)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Self:
        return cls(
            cost=_rupiah(int(value["cost"])),
            storage_cost=_rupiah(int(value["storage_cost"])),
            deviation_minutes=int(value["deviation_minutes"]),
            full=bool(value["full"]),
            slot_key=uuid.UUID(str(value["slot_id"])),
        )


@strawberry.type(description="The storage day a recommended slot avoids paying.")
class StoragePeriodAvoided:
    starts_at: datetime = strawberry.field(
        description="When the next storage day starts to be charged."
    )
    cost: Money = strawberry.field(description="What that day would cost.")


@strawberry.type(description="One container's line of a plan: its slot and why.")
class PickupPlanItem:
    ready_at: datetime | None = strawberry.field(
        description="Earliest pickup: the latest of discharge plus settling "
        "time, customs release, payment and DO validity; null while held."
    )
    latest_pickup_at: datetime | None = strawberry.field(
        description="Latest pickup (the DO's expiry); null when unknown."
    )
    discharge_at: datetime | None = strawberry.field(
        description="Actual discharge, or the estimate from the vessel call's "
        "berthing time, its cranes and their moves per crane-hour."
    )
    discharge_estimated: bool = strawberry.field(
        description="True while `dischargeAt` is an estimate."
    )
    preferred_window: TimeWindow | None = strawberry.field(
        description="The customer's preferred window for this container."
    )
    deviation_minutes: int = strawberry.field(
        description="Minutes the slot lies outside the preferred window."
    )
    storage_cost: Money = strawberry.field(
        description="Storage charged until the slot ends, by the tariff."
    )
    storage_days: int = strawberry.field(description="Chargeable storage days.")
    storage_period_avoided: StoragePeriodAvoided | None = strawberry.field(
        description="The next storage day, avoided by picking up in this slot."
    )
    cost: Money = strawberry.field(description="Deviation plus storage cost.")
    unassigned_reason: UnassignedReason | None = strawberry.field(
        description="Why there is no slot; null when there is one."
    )
    detail: str | None = strawberry.field(description="The reason, for a person.")
    booking_at_risk: bool = strawberry.field(
        description="The container's booking is not in the recommended slot: "
        "its slot no longer works; reschedule to the slot or an alternative."
    )
    assumed_conditions: list[str] = strawberry.field(
        description="Release conditions with no known time, taken as met in "
        "time (DO_VALID while DO dates are not recorded, PAID before payment, "
        "CUSTOMS_RELEASED before the SPPB)."
    )
    alternatives: list[SlotAlternative] = strawberry.field(
        description="The next-best slots with their cost."
    )
    container_key: strawberry.Private[uuid.UUID]
    slot_key: strawberry.Private[uuid.UUID | None]
    booking_key: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The container.")
    async def container(self, info: Info) -> Container | None:
        return await container_of(info, self.container_key)

    @strawberry.field(description="The recommended slot; null if none.")
    async def slot(self, info: Info) -> PickupSlot | None:
        return await slot_of(info, self.slot_key)

    @strawberry.field(description="The container's active booking, if any.")
    async def booking(self, info: Info) -> TruckBooking | None:
        if self.booking_key is None:
            return None
        row = await info.context.loaders.of(models.TruckBooking).load(self.booking_key)
        return TruckBooking.from_model(row) if row is not None else None

    @classmethod
    def from_model(cls, row: models.PickupPlanItem) -> Self:
        window = None
        if row.preferred_from is not None and row.preferred_to is not None:
            window = TimeWindow(start=row.preferred_from, end=row.preferred_to)
        avoided = None
        if row.storage_step_at is not None:
            avoided = StoragePeriodAvoided(
                starts_at=row.storage_step_at, cost=_rupiah(row.storage_step_cost)
            )
        reason = row.unassigned_reason
        return cls(
            ready_at=row.ready_at,
            latest_pickup_at=row.latest_at,
            discharge_at=row.discharge_at,
            discharge_estimated=row.discharge_estimated,
            preferred_window=window,
            deviation_minutes=row.deviation_minutes,
            storage_cost=_rupiah(row.storage_cost),
            storage_days=row.storage_days,
            storage_period_avoided=avoided,
            cost=_rupiah(row.cost),
            unassigned_reason=None if reason is None else UnassignedReason[reason],
            detail=row.detail,
            booking_at_risk=row.booking_at_risk,
            assumed_conditions=list(row.assumed),
            alternatives=[SlotAlternative.from_json(a) for a in row.alternatives],
            container_key=row.container_id,
            slot_key=row.slot_id,
            booking_key=row.booking_id,
        )


@strawberry.type(description="What the discharge estimate of a plan rests on.")
class DischargeEstimate:
    berth_at: datetime | None = strawberry.field(
        description="When discharge starts: cargo start, ATB, else the later "
        "of ETA and the berth window."
    )
    quay_cranes: int = strawberry.field(description="Quay cranes working the call.")
    moves_per_crane_hour: int = strawberry.field(
        description="Boxes each quay crane lifts per hour."
    )


@strawberry.type(description="A version of a shipment's recommended pickup schedule.")
class PickupPlan(relay.Node):
    id: relay.NodeID[str]
    version: int = strawberry.field(description="1 for the first plan, then up.")
    reason: PlanReason = strawberry.field(description="Why this version was made.")
    method: str = strawberry.field(
        description="How it was computed: flow, cp-sat, repair or improve."
    )
    optimal: bool = strawberry.field(description="Proven optimal by the solver.")
    total_cost: Money = strawberry.field(
        description="Deviation, storage, overload and unplaced-container costs."
    )
    moved: int = strawberry.field(
        description="Containers whose slot differs from the previous version; "
        "for an IMPROVED version, from the version before the repair it "
        "improves (at most 1.5 times the repair's `moved`)."
    )
    created_at: datetime = strawberry.field(description="When it was computed.")
    stale: bool = strawberry.field(
        description="An event changed its inputs; a repaired version follows."
    )
    current: bool = strawberry.field(description="False once a newer version exists.")
    accepted_at: datetime | None = strawberry.field(
        description="When the customer accepted it and its slots were booked."
    )
    preferred_windows: list[TimeWindow] = strawberry.field(
        description="The preferred windows it was computed for."
    )
    discharge: DischargeEstimate = strawberry.field(
        description="The basis of the discharge estimates."
    )
    shipment_key: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The shipment planned.")
    async def shipment(self, info: Info) -> Shipment | None:
        row = await info.context.loaders.of(ShipmentRow).load(self.shipment_key)
        return Shipment.from_model(row) if row is not None else None

    @strawberry.field(description="One line per container, by container number.")
    async def items(self, info: Info) -> list[PickupPlanItem]:
        loader = info.context.loaders.batched("plan.items", items_of_plans)
        return list(await loader.load(uuid.UUID(self.id)))

    @classmethod
    def from_model(cls, row: models.PickupPlan) -> Self:
        windows = [
            TimeWindow(
                start=datetime.fromisoformat(w["from"]),
                end=datetime.fromisoformat(w["to"]),
            )
            for w in row.preferred_windows
        ]
        return cls(
            id=str(row.id),
            version=row.version,
            reason=row.reason,
            method=row.method,
            optimal=row.optimal,
            total_cost=_rupiah(row.total_cost),
            moved=row.moved,
            created_at=row.created_at,
            stale=row.stale_since is not None,
            current=row.superseded_at is None,
            accepted_at=row.accepted_at,
            preferred_windows=windows,
            discharge=DischargeEstimate(
                berth_at=row.berth_at,
                quay_cranes=row.quay_cranes,
                moves_per_crane_hour=row.moves_per_crane_hour,
            ),
            shipment_key=row.shipment_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info, models.PickupPlan, node_ids, cls.from_model)


async def items_of_plans(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[list[PickupPlanItem]]:
    """Batch: each plan's items, by container number."""
    item = models.PickupPlanItem
    rows = await session.scalars(
        select(item)
        .join(ContainerRow, ContainerRow.id == item.container_id)
        .where(item.plan_id.in_(keys))
        .order_by(item.plan_id, ContainerRow.number)
    )
    grouped: dict[uuid.UUID, list[PickupPlanItem]] = {key: [] for key in keys}
    for row in rows:
        grouped[row.plan_id].append(PickupPlanItem.from_model(row))
    return [grouped[key] for key in keys]


async def current_plans(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[PickupPlan | None]:
    """Batch: each shipment's current plan, if the viewer may see it."""
    rows = await session.scalars(
        select(models.PickupPlan).where(
            models.PickupPlan.shipment_id.in_(keys),
            models.PickupPlan.superseded_at.is_(None),
        )
    )
    found = {row.shipment_id: PickupPlan.from_model(row) for row in rows}
    return [found.get(key) for key in keys]
