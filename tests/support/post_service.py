"""Post-service facts written as the other areas record them: boxes, payments, slots.

Shipments reach the post-service stage through pre-service and service flows;
these helpers write the resulting rows directly, so invoice and gate tests
start from a known state of recorded events.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.documents import DocumentKind
from domain.models.documents import Document
from domain.models.gate import GatePass
from domain.models.payments import Payment, PaymentPurpose, PaymentStatus
from domain.models.scheduling import BookingStatus, PickupSlot, TruckBooking
from domain.models.shipments import (
    Container,
    ContainerStatus,
    Shipment,
    ShipmentStatusChange,
)
from domain.models.tracking import ContainerEventRow
from domain.ports.terminal import ContainerEventType
from domain.services import invoices, tariffs
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.graphql import GraphQLClient
from tests.support.pre_service import upload

TERMINAL = "JICT"
WIB = ZoneInfo("Asia/Jakarta")
CHECK_DOCUMENTS = """
mutation($id: ID!) {
  checkShipmentDocuments(input: {shipmentId: $id}) { userErrors { code } }
}"""
DOCUMENTS = """
query($id: ID!) {
  node(id: $id) { ... on Shipment { documents { kind validFrom validUntil } } }
}"""
_serial = itertools.count(1)


@dataclass(frozen=True)
class Box:
    """A container as the terminal recorded it."""

    number: str
    size_type: str
    discharged_at: datetime | None
    gated_out_at: datetime | None = None
    customs_released_at: datetime | None = None
    status: ContainerStatus = ContainerStatus.IN_YARD


@dataclass
class Seeded:
    """A shipment written to the database, and its boxes' ids by number."""

    shipment_id: uuid.UUID
    organisation_id: uuid.UUID
    containers: dict[str, uuid.UUID] = field(default_factory=dict)

    @property
    def global_id(self) -> str:
        return str(relay.GlobalID("Shipment", str(self.shipment_id)))


async def seed_tariffs(database: Database) -> None:
    async with database.transaction(SYSTEM) as session:
        await tariffs.seed_published(session)


async def shipment(
    database: Database,
    organisation_id: uuid.UUID,
    boxes: list[Box],
    *,
    status: ShipmentStatus = ShipmentStatus.IN_SERVICE,
    verified_at: datetime | None = None,
) -> Seeded:
    async with database.transaction(SYSTEM) as session:
        row = Shipment(
            organisation_id=organisation_id,
            filed_by_organisation_id=organisation_id,
            reference=f"TEST-{uuid.uuid4().hex[:10].upper()}",
            status=status,
            consignee_name="PT Contoh Impor",
            consignee_npwp="0123456789012345",
            services=[],
        )
        session.add(row)
        await session.flush()
        seeded = Seeded(row.id, organisation_id)
        for box in boxes:
            seeded.containers[box.number] = await _container(session, row, box)
        if verified_at is not None:
            await _verified(session, row, verified_at)
        return seeded


async def _container(session: AsyncSession, shipment: Shipment, box: Box) -> uuid.UUID:
    row = Container(
        organisation_id=shipment.organisation_id,
        shipment_id=shipment.id,
        number=box.number,
        size_type=box.size_type,
        status=box.status,
        discharged_at=box.discharged_at,
        gated_out_at=box.gated_out_at,
        customs_released_at=box.customs_released_at,
    )
    session.add(row)
    await session.flush()
    return row.id


async def _verified(session: AsyncSession, shipment: Shipment, at: datetime) -> None:
    session.add(
        ShipmentStatusChange(
            organisation_id=shipment.organisation_id,
            shipment_id=shipment.id,
            from_status=ShipmentStatus.SUBMITTED,
            to_status=ShipmentStatus.VERIFIED,
            actor_kind="SYSTEM",
            at=at,
        )
    )


async def payment(
    database: Database,
    seeded: Seeded,
    amount: str,
    purpose: PaymentPurpose = PaymentPurpose.INITIAL,
    paid_at: datetime | None = None,
) -> uuid.UUID:
    """A payment the finance system confirmed paid."""
    async with database.transaction(SYSTEM) as session:
        row = Payment(
            organisation_id=seeded.organisation_id,
            shipment_id=seeded.shipment_id,
            purpose=purpose,
            client_key=f"key-{next(_serial)}",
            amount=Decimal(amount),
            currency="IDR",
            status=PaymentStatus.PAID,
            bill_id=f"BILL-{uuid.uuid4().hex[:12]}",
            paid_at=paid_at or datetime.now().astimezone(),
        )
        session.add(row)
        await session.flush()
        return row.id


def local_today() -> date:
    """Today at Tanjung Priok (WIB), where DO days and storage days are counted."""
    return datetime.now(WIB).date()


async def delivery_order(
    database: Database, seeded: Seeded, valid_until: date | None = None
) -> uuid.UUID:
    """A Delivery Order on file, its validity read: by default two weeks from today."""
    async with database.transaction(SYSTEM) as session:
        row = Document(
            organisation_id=seeded.organisation_id,
            shipment_id=seeded.shipment_id,
            kind=DocumentKind.DELIVERY_ORDER,
            filename="delivery_order.pdf",
            content_type="application/pdf",
            size_bytes=1024,
            sha256="ab" * 32,
            valid_until=valid_until or local_today() + timedelta(days=14),
        )
        session.add(row)
        await session.flush()
        return row.id


def delivery_order_pdf(valid_until: date, issued: date | None = None) -> bytes:
    """A text-based DO as a line agent prints it, with its validity dates."""
    sheet = FPDF(format="A4")
    sheet.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    sheet.add_page()
    sheet.set_font("Helvetica", size=10)
    lines = ["Delivery Order", "D/O No.: DO/0001/XII/2026", "B/L No.: MEDU306711638"]
    if issued is not None:
        lines.append(f"Date of Issue: {issued:%d %b %Y}")
    lines.append(f"Valid Until: {valid_until:%d %b %Y}")
    for line in lines:
        sheet.cell(0, 6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(sheet.output())


async def file_delivery_order(
    client: GraphQLClient,
    seeded: Seeded,
    valid_until: date,
    issued: date | None = None,
) -> dict[str, Any]:
    """Upload a DO through the API and have the assistant check the documents.

    Returns the shipment's DO documents as the API shows them afterwards.
    """
    pdf = delivery_order_pdf(valid_until, issued)
    uploaded = await upload(client, seeded.global_id, "DELIVERY_ORDER", pdf)
    assert uploaded["userErrors"] == [], uploaded["userErrors"]
    checked = await client.mutate(CHECK_DOCUMENTS, {"id": seeded.global_id})
    assert checked["userErrors"] == [], checked["userErrors"]
    data = await client.data(DOCUMENTS, {"id": seeded.global_id})
    documents: dict[str, Any] = data["node"]
    return documents


async def container_event(
    database: Database, number: str, kind: ContainerEventType, at: datetime
) -> None:
    """A terminal event of a box, as the terminal feed stores it."""
    async with database.transaction(SYSTEM) as session:
        session.add(
            ContainerEventRow(
                event_id=f"EV-{uuid.uuid4().hex}",
                container_number=number,
                vessel_call_ref="TEST",
                event_type=kind,
                event_time=at,
                sent_at=at,
            )
        )


async def booking(
    database: Database,
    seeded: Seeded,
    number: str,
    starts_at: datetime,
    *,
    plate: str = "B 1234 XYZ",
    quota: int = 10,
    hours: int = 2,
) -> uuid.UUID:
    """A truck booked for a box in a fresh slot starting at `starts_at`."""
    async with database.transaction(SYSTEM) as session:
        slot = PickupSlot(
            terminal=TERMINAL,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            quota=quota,
            booked=1,
        )
        session.add(slot)
        await session.flush()
        row = TruckBooking(
            organisation_id=seeded.organisation_id,
            shipment_id=seeded.shipment_id,
            container_id=seeded.containers[number],
            slot_id=slot.id,
            status=BookingStatus.ACTIVE,
            truck_plate=plate,
            driver_name="Budi",
        )
        session.add(row)
        await session.flush()
        return row.id


async def tenancy_objects(
    database: Database, organisation_id: uuid.UUID
) -> dict[str, str]:
    """An invoice and a gate pass of one organisation, by Node type, as global ids."""
    await seed_tariffs(database)
    discharged = datetime(2026, 1, 5, 3, tzinfo=UTC)
    seeded = await shipment(
        database,
        organisation_id,
        [Box("CSQU3054383", "22G1", discharged, discharged + timedelta(days=1))],
    )
    async with database.transaction(SYSTEM) as session:
        issued = await invoices.finalize_invoice(
            session, SYSTEM, seeded.shipment_id, discharged + timedelta(days=2)
        )
        gate_pass = GatePass(
            organisation_id=organisation_id,
            shipment_id=seeded.shipment_id,
            container_id=seeded.containers["CSQU3054383"],
            container_number="CSQU3054383",
            booking_id=uuid.uuid4(),
            terminal=TERMINAL,
            slot_starts_at=discharged,
            slot_ends_at=discharged + timedelta(hours=2),
            truck_plate="B1234XYZ",
            token_id=uuid.uuid4().hex,
            expires_at=discharged + timedelta(hours=3),
        )
        session.add(gate_pass)
        await session.flush()
        return {
            "Invoice": str(relay.GlobalID("Invoice", str(issued.invoice.id))),
            "GatePass": str(relay.GlobalID("GatePass", str(gate_pass.id))),
        }
