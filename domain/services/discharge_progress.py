"""How far a vessel call's discharge has come, for the call and for each shipment.

The call's total is the terminal's manifest count, or, until the manifest is
known, the boxes of the shipments on the call; never fewer than the boxes
already discharged. Counts per shipment are read
through the session's tenancy scope, so a customer sees only its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.models.shipments import Container, Shipment
from domain.models.tracking import ContainerEventRow, DischargeManifest
from domain.ports.terminal import ContainerEventType
from domain.shipment_status import TRACKED


@dataclass(frozen=True, slots=True)
class CallDischarge:
    """Boxes discharged of the call's total, and when the last one landed."""

    vessel_call_id: uuid.UUID
    discharged: int
    total: int
    last_discharged_at: datetime | None


@dataclass(frozen=True, slots=True)
class ShipmentDischarge:
    """A shipment's boxes discharged of its total, and the last one off."""

    shipment_id: uuid.UUID
    vessel_call_id: uuid.UUID
    reference: str
    discharged: int
    total: int
    last_discharged_at: datetime | None
    last_container_number: str | None


async def call_discharges(
    session: AsyncSession, call_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CallDischarge]:
    """Discharge counts of each call; a call with nothing known counts 0 of 0."""
    discharged = await _discharged(session, call_ids)
    manifest_rows = await session.execute(
        select(
            DischargeManifest.vessel_call_id, DischargeManifest.container_count
        ).where(DischargeManifest.vessel_call_id.in_(call_ids))
    )
    manifests = {call_id: count for call_id, count in manifest_rows}
    booked = await _booked(session, call_ids)
    result = {}
    for call_id in call_ids:
        count, last = discharged.get(call_id, (0, None))
        # Never fewer than came off: a manifest that undercounts is corrected
        # by what the terminal reports discharged.
        total = max(manifests.get(call_id) or booked.get(call_id, 0), count)
        result[call_id] = CallDischarge(call_id, count, total, last)
    return result


async def shipment_discharges(
    session: AsyncSession, call_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ShipmentDischarge]]:
    """Per call, the progress of each shipment on it that the viewer may see."""
    rows = await session.execute(
        select(
            Shipment.id,
            Shipment.vessel_call_id,
            Shipment.reference,
            func.count(Container.id),
            func.count(Container.discharged_at),
            func.max(Container.discharged_at),
        )
        .outerjoin(Container, Container.shipment_id == Shipment.id)
        .where(Shipment.vessel_call_id.in_(call_ids))
        .group_by(Shipment.id)
        .order_by(Shipment.reference)
    )
    counted = list(rows)
    last_boxes = await _last_boxes(session, [row[0] for row in counted])
    result: dict[uuid.UUID, list[ShipmentDischarge]] = {c: [] for c in call_ids}
    for shipment_id, call_id, reference, total, done, last in counted:
        assert call_id is not None
        result[call_id].append(
            ShipmentDischarge(
                shipment_id,
                call_id,
                reference,
                done,
                total,
                last,
                last_boxes.get(shipment_id),
            )
        )
    return result


async def _discharged(
    session: AsyncSession, call_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, datetime | None]]:
    retraction = aliased(ContainerEventRow)
    event = ContainerEventRow
    rows = await session.execute(
        select(
            event.vessel_call_id,
            func.count(func.distinct(event.container_number)),
            func.max(event.event_time),
        )
        .where(
            event.vessel_call_id.in_(call_ids),
            event.event_type == ContainerEventType.DISC,
            ~exists().where(retraction.retracts_event_id == event.event_id),
        )
        .group_by(event.vessel_call_id)
    )
    return {call_id: (count, last) for call_id, count, last in rows if call_id}


async def _booked(
    session: AsyncSession, call_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    # A count over every organisation's verified shipments: it names no
    # shipment, and a draft cannot swell it.
    rows = await session.execute(
        select(Shipment.vessel_call_id, func.count(func.distinct(Container.number)))
        .join(Container, Container.shipment_id == Shipment.id)
        .where(Shipment.vessel_call_id.in_(call_ids), Shipment.status.in_(TRACKED))
        .group_by(Shipment.vessel_call_id)
        .execution_options(skip_tenancy=True)
    )
    return {call_id: count for call_id, count in rows if call_id}


async def _last_boxes(
    session: AsyncSession, shipment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not shipment_ids:
        return {}
    rows = await session.execute(
        select(Container.shipment_id, Container.number)
        .where(
            Container.shipment_id.in_(shipment_ids),
            Container.discharged_at.is_not(None),
        )
        .order_by(Container.shipment_id, Container.discharged_at.desc())
        .ext(distinct_on(Container.shipment_id))
    )
    return {shipment_id: number for shipment_id, number in rows}
