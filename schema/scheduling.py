"""Pickup slots, yard blocks and truck bookings, as the API shows them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Self

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.models import scheduling as models
from domain.models.shipments import Container as ContainerRow
from domain.models.shipments import Shipment as ShipmentRow
from schema.context import Info
from schema.relay import load_nodes
from schema.shipments import Container, Shipment

strawberry.enum(models.BookingStatus, description="Whether a booking holds its slot.")
BookingStatus = models.BookingStatus


@strawberry.type(description="A pickup window at a terminal with its truck quota.")
class PickupSlot(relay.Node):
    id: relay.NodeID[str]
    terminal: str = strawberry.field(description="The terminal's code.")
    starts_at: datetime = strawberry.field(description="First moment of the slot.")
    ends_at: datetime = strawberry.field(description="End of the slot (exclusive).")
    quota: int = strawberry.field(description="Import trucks the slot takes.")
    booked: int = strawberry.field(description="Active bookings in the slot.")

    @strawberry.field(description="Trucks the slot can still take.")
    def free(self) -> int:
        return max(self.quota - self.booked, 0)

    @strawberry.field(
        description="The viewer's own active bookings in this slot (staff: all)."
    )
    async def bookings(self, info: Info) -> list[TruckBooking]:
        loader = info.context.loaders.batched("slot.bookings", bookings_in_slots)
        return list(await loader.load(uuid.UUID(self.id)))

    @classmethod
    def from_model(cls, row: models.PickupSlot) -> Self:
        return cls(
            id=str(row.id),
            terminal=row.terminal,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            quota=row.quota,
            booked=row.booked,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        # Public terminal data, but for signed-in viewers only.
        return await load_nodes(
            info, models.PickupSlot, node_ids, cls.from_model, signed_in_only=True
        )


@strawberry.type(description="A yard block and the pickup moves its cranes make.")
class YardBlock:
    terminal: str = strawberry.field(description="The terminal's code.")
    code: str = strawberry.field(description="The block's code in the yard.")
    moves_per_hour: int = strawberry.field(
        description="Pickup moves (yard crane lifts) the block makes per hour."
    )

    @classmethod
    def from_model(cls, row: models.YardBlock) -> Self:
        return cls(
            terminal=row.terminal, code=row.code, moves_per_hour=row.moves_per_hour
        )


async def slot_of(info: Info, slot_id: uuid.UUID | None) -> PickupSlot | None:
    """A slot by its key, read through the request's loader; None for no key."""
    if slot_id is None:
        return None
    row = await info.context.loaders.of(models.PickupSlot).load(slot_id)
    return PickupSlot.from_model(row) if row is not None else None


async def container_of(info: Info, container_id: uuid.UUID) -> Container | None:
    """A container by its key, read through the request's loader."""
    row = await info.context.loaders.of(ContainerRow).load(container_id)
    return Container.from_model(row) if row is not None else None


@strawberry.type(description="A truck booked to pick up one container in a slot.")
class TruckBooking(relay.Node):
    id: relay.NodeID[str]
    status: BookingStatus = strawberry.field(description="Active or cancelled.")
    truck_plate: str | None = strawberry.field(
        description="Registration plate of the truck; may be given later."
    )
    driver_name: str | None = strawberry.field(description="The driver's name.")
    created_at: datetime = strawberry.field(description="When it was booked.")
    cancelled_at: datetime | None = strawberry.field(description="When cancelled.")
    at_risk_since: datetime | None = strawberry.field(
        description="Set when a re-plan found the booked slot no longer works."
    )
    at_risk_reason: str | None = strawberry.field(
        description="Why the booked slot no longer works; the plan lists "
        "the best alternatives."
    )
    slot_key: strawberry.Private[uuid.UUID]
    container_key: strawberry.Private[uuid.UUID]
    shipment_key: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The slot booked.")
    async def slot(self, info: Info) -> PickupSlot | None:
        return await slot_of(info, self.slot_key)

    @strawberry.field(description="The container to pick up.")
    async def container(self, info: Info) -> Container | None:
        return await container_of(info, self.container_key)

    @strawberry.field(description="The shipment the container belongs to.")
    async def shipment(self, info: Info) -> Shipment | None:
        row = await info.context.loaders.of(ShipmentRow).load(self.shipment_key)
        return Shipment.from_model(row) if row is not None else None

    @classmethod
    def from_model(cls, row: models.TruckBooking) -> Self:
        return cls(
            id=str(row.id),
            status=row.status,
            truck_plate=row.truck_plate,
            driver_name=row.driver_name,
            created_at=row.created_at,
            cancelled_at=row.cancelled_at,
            at_risk_since=row.at_risk_since,
            at_risk_reason=row.at_risk_reason,
            slot_key=row.slot_id,
            container_key=row.container_id,
            shipment_key=row.shipment_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info, models.TruckBooking, node_ids, cls.from_model)


async def bookings_in_slots(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[list[TruckBooking]]:
    """Batch: the viewer's active bookings in each slot, oldest first."""
    rows = await session.scalars(
        select(models.TruckBooking)
        .where(
            models.TruckBooking.slot_id.in_(keys),
            models.TruckBooking.status == models.BookingStatus.ACTIVE,
        )
        .order_by(models.TruckBooking.created_at, models.TruckBooking.id)
    )
    grouped: dict[uuid.UUID, list[TruckBooking]] = {key: [] for key in keys}
    for row in rows:
        grouped[row.slot_id].append(TruckBooking.from_model(row))
    return [grouped[key] for key in keys]
