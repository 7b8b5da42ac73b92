"""One live import request per B/L number in an organisation."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ConflictError
from domain.models.shipments import ACTIVE_BL_NUMBER_INDEX, Shipment
from domain.shipment_status import ShipmentStatus

# A request in these states no longer holds its B/L: the cargo may be filed again.
RELEASED = (ShipmentStatus.CANCELLED, ShipmentStatus.COMPLETED)


def duplicate(bl_number: str) -> ConflictError:
    return ConflictError(
        f"a live request for B/L {bl_number} exists already: continue that one "
        "or cancel it first",
        code="DUPLICATE_BL_NUMBER",
        field=("blNumber",),
    )


async def refuse_duplicate(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    bl_number: str | None,
    *,
    other_than: uuid.UUID | None = None,
) -> None:
    """Refuse a B/L another live request of the organisation already names."""
    if bl_number is None:
        return
    statement = select(Shipment.id).where(
        Shipment.organisation_id == organisation_id,
        Shipment.bl_number == bl_number,
        Shipment.status.not_in(RELEASED),
    )
    if other_than is not None:
        statement = statement.where(Shipment.id != other_than)
    # The request may have been filed by someone the viewer does not see (a
    # forwarder for the importer); only whether one exists is told.
    found = await session.scalar(
        statement.limit(1), execution_options={"skip_tenancy": True}
    )
    if found is not None:
        raise duplicate(bl_number)


async def flush_unique(session: AsyncSession, bl_number: str | None) -> None:
    """Flush; a request filed at the same moment with the same B/L loses."""
    try:
        await session.flush()
    except IntegrityError as error:
        if ACTIVE_BL_NUMBER_INDEX in str(error.orig) and bl_number is not None:
            raise duplicate(bl_number) from error
        raise
