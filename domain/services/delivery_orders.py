"""Delivery Orders: when the line's release of a shipment's boxes is in force.

The line agent's DO prints the last day it is valid ("Valid Until") and
often the day it was issued. The assistant reads both when it checks the
documents, and they are kept on the DO's row. A DO is in force from the
start of its issue day (from its upload when no issue day is printed) to the
end of its last day, both local days at the port; of several DOs (a DO is
extended by a new one) the one valid longest counts. A DO whose last day
could not be read releases nothing: the gate cannot tell when it lapses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.documents import DocumentKind
from domain.models.documents import Document
from domain.models.port import VesselCall
from domain.models.shipments import Shipment
from domain.services.documents import DEFAULT_PORT_ZONE, PORT_ZONES


@dataclass(frozen=True, slots=True)
class DoValidity:
    """A DO in force from `starts_at` until `ends_at` (exclusive), timezone-aware."""

    document_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime

    def covers(self, start: datetime, end: datetime) -> bool:
        return self.starts_at <= start and end <= self.ends_at


async def validity_of(session: AsyncSession, shipment: Shipment) -> DoValidity | None:
    """The shipment's DO valid longest, or None without a DO whose expiry is known."""
    row = await session.scalar(
        select(Document)
        .where(
            Document.shipment_id == shipment.id,
            Document.kind == DocumentKind.DELIVERY_ORDER,
            Document.valid_until.is_not(None),
        )
        .order_by(Document.valid_until.desc(), Document.created_at.desc())
        .limit(1)
    )
    if row is None or row.valid_until is None:
        return None
    zone = ZoneInfo(PORT_ZONES.get(await _port(session, shipment), DEFAULT_PORT_ZONE))
    return window(row.id, row.valid_from, row.valid_until, row.created_at, zone)


def window(
    document_id: uuid.UUID,
    valid_from: date | None,
    valid_until: date,
    uploaded_at: datetime,
    zone: ZoneInfo,
) -> DoValidity:
    """The moments a DO's local days stand for: issue day 00:00 to the day after."""
    starts_at = (
        datetime.combine(valid_from, time(), tzinfo=zone)
        if valid_from is not None
        else uploaded_at
    )
    ends_at = datetime.combine(valid_until + timedelta(days=1), time(), tzinfo=zone)
    return DoValidity(document_id, starts_at, ends_at)


async def _port(session: AsyncSession, shipment: Shipment) -> str:
    if shipment.vessel_call_id is None:
        return ""
    port = await session.scalar(
        select(VesselCall.port).where(VesselCall.id == shipment.vessel_call_id)
    )
    return port or ""
