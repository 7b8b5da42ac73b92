"""A vessel call's discharge progress, in all and by shipment, as the API shows it.

What a call shows of shipments goes through the viewer's tenancy scope, so a
customer sees only its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.services import discharge_progress, feed_cursors
from schema.context import Info
from schema.feeds import feed_freshness
from schema.relay import global_id


@strawberry.type(description="A shipment's boxes discharged from its vessel call.")
class ShipmentDischarge:
    shipment_id: relay.GlobalID = strawberry.field(description="The shipment.")
    reference: str = strawberry.field(description="The shipment's reference.")
    discharged: int = strawberry.field(description="Boxes discharged so far.")
    total: int = strawberry.field(description="Boxes of the shipment on the call.")
    last_discharged_at: datetime | None = strawberry.field(
        description="When its last box landed."
    )
    last_container_number: str | None = strawberry.field(
        description="The last of its boxes discharged."
    )


@strawberry.type(description="How far a vessel call's discharge has come.")
class DischargeProgress:
    vessel_call_key: strawberry.Private[uuid.UUID]
    only_shipment: strawberry.Private[uuid.UUID | None] = None
    discharged: int = strawberry.field(description="Boxes discharged so far.")
    total: int = strawberry.field(
        description="Boxes to discharge: the terminal's manifest count, or the "
        "boxes of the shipments on the call until the manifest is known."
    )
    last_discharged_at: datetime | None = strawberry.field(
        description="When the last box landed."
    )

    @strawberry.field(description="The vessel call.")
    def vessel_call_id(self) -> relay.GlobalID:
        return global_id("VesselCall", self.vessel_call_key)

    @strawberry.field(
        description="Progress of each of the viewer's shipments on this call; "
        "never another organisation's."
    )
    async def by_shipment(self, info: Info) -> list[ShipmentDischarge]:
        loader = info.context.loaders.batched("port.shipment_discharge", _by_shipment)
        found = await loader.load(self.vessel_call_key)
        return [
            _shipment_discharge(item)
            for item in found
            if self.only_shipment in (None, item.shipment_id)
        ]

    @strawberry.field(description="When the terminal's feed was last read in full.")
    async def last_synced_at(self, info: Info) -> datetime | None:
        return (await feed_freshness(info, feed_cursors.TERMINAL)).last_synced_at

    @strawberry.field(
        description="True when the terminal's feed has not been read for a while: "
        "the counts shown may be out of date."
    )
    async def stale(self, info: Info) -> bool:
        return (await feed_freshness(info, feed_cursors.TERMINAL)).stale


async def discharge_of(
    info: Info, call_id: uuid.UUID, only_shipment: uuid.UUID | None = None
) -> DischargeProgress:
    """A call's discharge progress, optionally narrowed to one shipment."""
    loader = info.context.loaders.batched("port.call_discharge", _call_discharge)
    counts = await loader.load(call_id)
    return DischargeProgress(
        vessel_call_key=call_id,
        only_shipment=only_shipment,
        discharged=counts.discharged,
        total=counts.total,
        last_discharged_at=counts.last_discharged_at,
    )


def _shipment_discharge(
    item: discharge_progress.ShipmentDischarge,
) -> ShipmentDischarge:
    return ShipmentDischarge(
        shipment_id=global_id("Shipment", item.shipment_id),
        reference=item.reference,
        discharged=item.discharged,
        total=item.total,
        last_discharged_at=item.last_discharged_at,
        last_container_number=item.last_container_number,
    )


async def _call_discharge(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[discharge_progress.CallDischarge]:
    found = await discharge_progress.call_discharges(session, keys)
    return [found[key] for key in keys]


async def _by_shipment(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[list[discharge_progress.ShipmentDischarge]]:
    found = await discharge_progress.shipment_discharges(session, keys)
    return [found[key] for key in keys]
