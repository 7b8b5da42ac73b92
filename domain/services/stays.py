"""How long the stay of a box in the yard is charged, and what that pays for.

A box still in the yard is charged up to the end of its booked pickup slot,
or to the moment of invoicing when it has none; charging it to a moment pays
its stay through domain.invoicing.paid_through, which the gate checks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.invoicing import ContainerUsage, paid_through
from domain.models.scheduling import BookingStatus, PickupSlot, TruckBooking
from domain.models.shipments import Container
from domain.tariff import TariffBook


async def pickup_ends(
    session: AsyncSession, boxes: Sequence[Container]
) -> dict[uuid.UUID, datetime]:
    """The end of each box's booked pickup slot, for boxes with an active booking."""
    rows = await session.execute(
        select(TruckBooking.container_id, func.max(PickupSlot.ends_at))
        .join(PickupSlot, PickupSlot.id == TruckBooking.slot_id)
        .where(
            TruckBooking.container_id.in_([b.id for b in boxes]),
            TruckBooking.status == BookingStatus.ACTIVE,
        )
        .group_by(TruckBooking.container_id)
    )
    return {box_id: ends_at for box_id, ends_at in rows}


def stay_targets(
    boxes: Sequence[Container], ends: dict[uuid.UUID, datetime], now: datetime
) -> dict[str, datetime]:
    """Up to when each box still in the yard is charged: its slot's end, else now."""
    return {
        b.number: max(now, ends.get(b.id, now)) for b in boxes if b.gated_out_at is None
    }


def mark_charged(
    book: TariffBook,
    boxes: Sequence[Container],
    usage: Sequence[ContainerUsage],
    targets: dict[str, datetime],
) -> None:
    """Record on each box up to when its stay was charged, and what that pays."""
    by_number = {u.container_number: u for u in usage}
    for box in boxes:
        charged_to = targets.get(box.number) or box.gated_out_at
        if charged_to is None or box.number not in by_number:
            continue
        box.charged_until = charged_to
        box.storage_paid_through = paid_through(book, by_number[box.number], charged_to)
