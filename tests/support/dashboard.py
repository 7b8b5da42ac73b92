"""Dashboard data: shipments on calls of their own, boxes discharged, paid, invoiced."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.models.payments import Payment, PaymentPurpose, PaymentStatus
from domain.models.port import Vessel, VesselCall
from domain.models.shipments import Container, ContainerStatus, Shipment
from domain.services import invoices
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.scheduling import box_numbers, imo_number

BOXES = 4
_serial = itertools.count(1)


async def seed(database: Database, organisation_id: uuid.UUID, count: int) -> None:
    """Shipments on calls of their own, boxes discharged, paid and invoiced."""
    for _ in range(count):
        shipment_id = await _shipment(database, organisation_id)
        async with database.transaction(SYSTEM) as session:
            await invoices.finalize_invoice(
                session, SYSTEM, shipment_id, datetime.now(UTC)
            )


async def _shipment(database: Database, organisation_id: uuid.UUID) -> uuid.UUID:
    discharged = datetime.now(UTC) - timedelta(days=2)
    async with database.transaction(SYSTEM) as session:
        vessel = Vessel(imo=imo_number(), name=f"MV DASH {next(_serial)}")
        session.add(vessel)
        await session.flush()
        call = VesselCall(
            external_ref=f"PKK-{uuid.uuid4().hex[:10]}",
            vessel_id=vessel.id,
            voyage="101N",
            port="IDTPP",
            terminal="JICT",
            eta=discharged,
        )
        session.add(call)
        await session.flush()
        shipment = Shipment(
            organisation_id=organisation_id,
            filed_by_organisation_id=organisation_id,
            reference=f"DASH-{uuid.uuid4().hex[:10].upper()}",
            status=ShipmentStatus.IN_SERVICE,
            vessel_call_id=call.id,
            services=[],
        )
        session.add(shipment)
        await session.flush()
        session.add_all(
            Container(
                organisation_id=organisation_id,
                shipment_id=shipment.id,
                number=number,
                size_type="22G1",
                status=ContainerStatus.AVAILABLE,
                discharged_at=discharged,
                customs_released_at=discharged,
            )
            for number in box_numbers(BOXES, owner="DSH")
        )
        session.add(_paid(shipment, discharged))
        return shipment.id


def _paid(shipment: Shipment, at: datetime) -> Payment:
    return Payment(
        organisation_id=shipment.organisation_id,
        shipment_id=shipment.id,
        purpose=PaymentPurpose.INITIAL,
        client_key="initial",
        amount=Decimal("1000000.00"),
        currency="IDR",
        status=PaymentStatus.PAID,
        bill_id=f"BILL-{uuid.uuid4().hex[:12]}",
        paid_at=at,
    )
