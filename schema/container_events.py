"""A container's terminal events (DCSA Track and Trace), as the API shows them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models.shipments import Container as ContainerRow
from domain.models.shipments import Shipment as ShipmentRow
from domain.models.tracking import ContainerEventRow
from domain.ports.terminal import ContainerEventType
from domain.shipment_status import TRACKED
from schema.context import Info

strawberry.enum(
    ContainerEventType,
    description="What happened to a box at the terminal (after DCSA Track and "
    "Trace): DISC discharged, YARD stacked, YARD_MOVE moved, INSP_START and "
    "INSP_END inspection, CUSTOMS_HOLD and CUSTOMS_RELEASE, AVPU available for "
    "pickup, GTIN and GTOT gate in and out.",
)


@strawberry.type(description="A slot in the container yard.")
class YardPosition:
    block: str = strawberry.field(description="Yard block.")
    bay: int = strawberry.field(description="Bay in the block.")
    row: int = strawberry.field(description="Row in the bay.")
    tier: int = strawberry.field(description="Tier; 1 is the ground.")


@strawberry.type(description="One DCSA Track and Trace event of a container.")
class ContainerEvent:
    event_id: str = strawberry.field(description="The terminal's event id.")
    container_number: str = strawberry.field(description="ISO 6346 number.")
    event_type: ContainerEventType = strawberry.field(description="What happened.")
    event_time: datetime = strawberry.field(description="When it happened.")
    sent_at: datetime = strawberry.field(description="When the terminal sent it.")
    yard_position: YardPosition | None = strawberry.field(
        description="Where the box was put (YARD and YARD_MOVE)."
    )
    retracts_event_id: str | None = strawberry.field(
        description="The earlier event this one replaces."
    )
    retracted: bool = strawberry.field(
        description="True once a later event replaced this one."
    )


async def container_timeline(
    info: Info, container_id: uuid.UUID
) -> list[ContainerEvent]:
    """A shipment container's terminal events, oldest first; [] if not visible."""
    loader = info.context.loaders.batched("port.container_events", _container_events)
    return await loader.load(container_id)


async def _container_events(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[list[ContainerEvent]]:
    # Through the containers the viewer may see, on their shipment's call,
    # once an operator has verified the request (until then it follows none).
    event = ContainerEventRow
    rows = await session.execute(
        select(ContainerRow.id, event)
        .join(ShipmentRow, ShipmentRow.id == ContainerRow.shipment_id)
        .join(
            event,
            (event.container_number == ContainerRow.number)
            & (event.vessel_call_id == ShipmentRow.vessel_call_id),
        )
        .where(ContainerRow.id.in_(keys), ShipmentRow.status.in_(TRACKED))
        .order_by(event.seq)
    )
    pairs = list(rows)
    withdrawn = {row.retracts_event_id for _, row in pairs if row.retracts_event_id}
    grouped: dict[uuid.UUID, list[ContainerEvent]] = {key: [] for key in keys}
    for container_id, row in pairs:
        grouped[container_id].append(_container_event(row, withdrawn))
    return [grouped[key] for key in keys]


def _container_event(row: ContainerEventRow, withdrawn: set[str]) -> ContainerEvent:
    position = None
    if row.yard_block is not None:
        position = YardPosition(
            block=row.yard_block,
            bay=row.yard_bay or 0,
            row=row.yard_row or 0,
            tier=row.yard_tier or 0,
        )
    return ContainerEvent(
        event_id=row.event_id,
        container_number=row.container_number,
        event_type=row.event_type,
        event_time=row.event_time,
        sent_at=row.sent_at,
        yard_position=position,
        retracts_event_id=row.retracts_event_id,
        retracted=row.event_id in withdrawn,
    )
