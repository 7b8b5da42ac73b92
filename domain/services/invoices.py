"""Issuing the one consolidated invoice of a shipment, and settling its balance.

The invoice is computed from what was recorded: each box's discharge and
gate-out times (or the moment of issue while it is still in the yard), its
red-lane inspections from the terminal's events, terminal deliveries, the
documents on file, and the initial payment paid through the finance system.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.container_events import standing
from domain.errors import ConflictError, ValidationError, ValidationErrors
from domain.events import record, shipment_channel
from domain.invoicing import (
    ContainerUsage,
    InvoiceDraft,
    compute_invoice,
)
from domain.models.billing import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    TariffVersion,
)
from domain.models.documents import Document
from domain.models.gate import Delivery, DeliveryStatus
from domain.models.payments import (
    UNSETTLED_STATUSES,
    Payment,
    PaymentPurpose,
    PaymentStatus,
)
from domain.models.port import VesselCall
from domain.models.shipments import Container, Shipment
from domain.models.tracking import ContainerEventRow
from domain.money import Money
from domain.ports.terminal import ContainerEvent, ContainerEventType
from domain.services import stays, tariffs
from domain.services.shipments import load_shipment
from domain.services.terminal_sync import to_event
from domain.shipment_status import ShipmentStatus
from domain.tariff import JAKARTA, TariffBook, is_reefer, size_class_of
from domain.viewer import Viewer

log = structlog.get_logger(__name__)

DEFAULT_PORT = "IDTPP"
NUMBER_PREFIX = "INV"
# A request is invoiced once its initial payment is paid (which starts the
# service): the consolidated invoice credits that payment and shows the balance.
INVOICEABLE = frozenset(
    {
        ShipmentStatus.IN_SERVICE,
        ShipmentStatus.READY_FOR_PICKUP,
        ShipmentStatus.COMPLETED,
    }
)
# Verified, but the initial payment is not paid yet.
INITIAL_PAYMENT_DUE = frozenset(
    {ShipmentStatus.VERIFIED, ShipmentStatus.AWAITING_PAYMENT}
)


@dataclass(frozen=True, slots=True)
class IssuedInvoice:
    """An invoice as stored, with its lines in order."""

    invoice: Invoice
    lines: tuple[InvoiceLine, ...]


async def finalize_invoice(
    session: AsyncSession, viewer: Viewer, shipment_id: uuid.UUID, now: datetime
) -> IssuedInvoice:
    """Issue the shipment's consolidated invoice, numbered gaplessly per year.

    A box still in the yard is charged up to the end of its booked pickup
    slot, or to `now` when it has none (or the slot is over); its storage is
    then paid through the end of that local day (domain.invoicing.paid_through).
    A second call for the same shipment is refused (ALREADY_INVOICED), also
    when two race. Before the initial payment is paid, or while one is still
    billed and unpaid, it is refused (INITIAL_PAYMENT_DUE): the invoice credits
    the initial payment, so no initial payment is taken after it.
    """
    shipment = await load_shipment(session, shipment_id, lock=True)
    await _check_invoiceable(session, shipment)
    boxes = await _containers(session, shipment.id)

    version, book = await tariff_for(session, shipment, boxes)
    targets = stays.stay_targets(boxes, await stays.pickup_ends(session, boxes), now)
    usage = await usage_of(session, shipment, boxes, book)
    draft = compute_invoice(
        book,
        [_until(u, targets) for u in usage],
        await _documents_count(session, shipment.id),
        await _initial_payment(session, shipment.id, book.currency),
        as_of=now,
    )

    invoice = await store_invoice(session, viewer, shipment, version, draft, now)
    invoice.charged_until = max(targets.values(), default=now)
    stays.mark_charged(book, boxes, usage, targets)
    lines = store_lines(session, invoice, draft)
    await announce_issued(session, invoice)
    log.info(
        "invoice.issued",
        invoice_id=str(invoice.id),
        number=invoice.number,
        total=str(invoice.total),
    )
    return IssuedInvoice(invoice, lines)


async def usage_of(
    session: AsyncSession,
    shipment: Shipment,
    boxes: Sequence[Container],
    book: TariffBook,
) -> list[ContainerUsage]:
    """What each discharged box used, read from the recorded events."""
    inspections = await inspections_by_number(
        session, [b.number for b in boxes], shipment.vessel_call_id
    )
    delivered = await _delivery_zones(session, shipment.id)
    usage = []
    for box in boxes:
        if box.discharged_at is None:
            continue
        usage.append(
            ContainerUsage(
                box.number,
                size_class_of(box.size_type),
                box.discharged_at,
                reefer=is_reefer(box.size_type),
                gate_out_at=box.gated_out_at,
                inspections=inspections.get(box.number, 0),
                delivery=box.id in delivered,
                delivery_zone=delivered.get(box.id, "") or _default_zone(book),
            )
        )
    return usage


async def events_by_number(
    session: AsyncSession, numbers: Sequence[str], call_id: uuid.UUID | None
) -> dict[str, list[ContainerEvent]]:
    """The standing terminal events of boxes, by number, on the shipment's call."""
    statement = select(ContainerEventRow).where(
        ContainerEventRow.container_number.in_(numbers)
    )
    if call_id is not None:
        statement = statement.where(ContainerEventRow.vessel_call_id == call_id)
    rows = await session.scalars(statement.order_by(ContainerEventRow.seq))
    grouped: dict[str, list[ContainerEvent]] = defaultdict(list)
    for row in rows:
        grouped[row.container_number].append(to_event(row))
    return {number: standing(events) for number, events in grouped.items()}


async def inspections_by_number(
    session: AsyncSession, numbers: Sequence[str], call_id: uuid.UUID | None
) -> dict[str, int]:
    """Red-lane inspections (behandle) each box went through: its INSP_START events."""
    events = await events_by_number(session, numbers, call_id)
    return {
        number: sum(e.event_type is ContainerEventType.INSP_START for e in timeline)
        for number, timeline in events.items()
    }


async def invoice_of_shipment(
    session: AsyncSession, shipment_id: uuid.UUID
) -> Invoice | None:
    """The shipment's consolidated invoice (not its storage extensions)."""
    invoice: Invoice | None = await session.scalar(
        select(Invoice).where(
            Invoice.shipment_id == shipment_id, Invoice.extends_invoice_id.is_(None)
        )
    )
    return invoice


def _until(usage: ContainerUsage, targets: dict[str, datetime]) -> ContainerUsage:
    """A box in the yard, charged as if it left at its target."""
    target = targets.get(usage.container_number)
    if target is None or usage.gate_out_at is not None:
        return usage
    return dataclasses.replace(usage, gate_out_at=target)


async def _check_invoiceable(session: AsyncSession, shipment: Shipment) -> None:
    if shipment.status in INITIAL_PAYMENT_DUE:
        raise ConflictError(
            f"request {shipment.reference} is invoiced once its initial payment "
            "is paid",
            code="INITIAL_PAYMENT_DUE",
            field=("shipmentId",),
        )
    if shipment.status not in INVOICEABLE:
        raise ConflictError(
            f"a {shipment.status.value} request is not invoiced",
            code="NOT_INVOICEABLE",
            field=("shipmentId",),
        )
    if await invoice_of_shipment(session, shipment.id) is not None:
        raise ConflictError(
            f"request {shipment.reference} is already invoiced",
            code="ALREADY_INVOICED",
            field=("shipmentId",),
        )
    unsettled = await session.scalar(
        select(Payment.id).where(
            Payment.shipment_id == shipment.id,
            Payment.purpose == PaymentPurpose.INITIAL,
            Payment.status.in_(UNSETTLED_STATUSES),
        )
    )
    if unsettled is not None:
        raise ConflictError(
            f"an initial payment of request {shipment.reference} is billed and "
            "not paid yet; the invoice is issued once it is paid",
            code="INITIAL_PAYMENT_DUE",
            field=("shipmentId",),
        )


async def _containers(session: AsyncSession, shipment_id: uuid.UUID) -> list[Container]:
    boxes = list(
        await session.scalars(
            select(Container)
            .where(Container.shipment_id == shipment_id)
            .order_by(Container.number)
        )
    )
    waiting = [b for b in boxes if b.discharged_at is None]
    if not boxes or waiting:
        raise ValidationErrors(
            [
                ValidationError(
                    f"{b.number} is not discharged yet",
                    code="NOT_DISCHARGED",
                    field=("shipmentId",),
                )
                for b in waiting
            ]
            or [ValidationError("the request has no containers", code="NO_CONTAINERS")]
        )
    return boxes


async def tariff_for(
    session: AsyncSession, shipment: Shipment, boxes: Sequence[Container]
) -> tuple[TariffVersion, TariffBook]:
    """The version in force when service began: at the first discharge."""
    port = DEFAULT_PORT
    if shipment.vessel_call_id is not None:
        port = (
            await session.scalar(
                select(VesselCall.port).where(VesselCall.id == shipment.vessel_call_id)
            )
            or DEFAULT_PORT
        )
    first = min(b.discharged_at for b in boxes if b.discharged_at is not None)
    return await tariffs.in_force(session, port, first)


async def _documents_count(session: AsyncSession, shipment_id: uuid.UUID) -> int:
    """Documents handed in, one per kind: a corrected re-upload is not another."""
    counted = await session.scalar(
        select(func.count(func.distinct(Document.kind))).where(
            Document.shipment_id == shipment_id
        )
    )
    return int(counted or 0)


async def _initial_payment(
    session: AsyncSession, shipment_id: uuid.UUID, currency: str
) -> Money:
    paid = await session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.shipment_id == shipment_id,
            Payment.purpose == PaymentPurpose.INITIAL,
            Payment.status == PaymentStatus.PAID,
        )
    )
    return Money(Decimal(paid or 0), currency)


async def _delivery_zones(
    session: AsyncSession, shipment_id: uuid.UUID
) -> dict[uuid.UUID, str]:
    rows = await session.scalars(
        select(Delivery).where(
            Delivery.shipment_id == shipment_id,
            Delivery.status == DeliveryStatus.REQUESTED,
        )
    )
    return {box: row.zone for row in rows for box in row.container_ids}


def _default_zone(book: TariffBook) -> str:
    return book.delivery[0].zone if book.delivery else ""


async def _next_number(session: AsyncSession, year: int) -> int:
    """The year's next invoice number, locking its counter row to commit.

    The upsert takes the counter row's lock (as SELECT ... FOR UPDATE would)
    and holds it to the end of the finalising transaction: a concurrent
    finalisation waits and reads the committed number, and a rollback returns
    the number, so numbers have neither gaps nor duplicates.
    """
    number = await session.scalar(
        text(
            "INSERT INTO invoice_number_counters (year, last_number) VALUES (:y, 1) "
            "ON CONFLICT (year) DO UPDATE "
            "SET last_number = invoice_number_counters.last_number + 1 "
            "RETURNING last_number"
        ),
        {"y": year},
    )
    return int(number)


async def store_invoice(
    session: AsyncSession,
    viewer: Viewer,
    shipment: Shipment,
    version: TariffVersion,
    draft: InvoiceDraft,
    now: datetime,
    extends: Invoice | None = None,
) -> Invoice:
    """Store an invoice under the year's next number; PAID when nothing is due."""
    year = now.astimezone(ZoneInfo(JAKARTA)).year
    sequence = await _next_number(session, year)
    settled = draft.balance_due.amount <= 0
    invoice = Invoice(
        organisation_id=shipment.organisation_id,
        shipment_id=shipment.id,
        extends_invoice_id=extends.id if extends is not None else None,
        number=f"{NUMBER_PREFIX}-{year}-{sequence:06d}",
        year=year,
        sequence=sequence,
        status=InvoiceStatus.PAID if settled else InvoiceStatus.ISSUED,
        issued_at=now,
        charged_until=now,
        tariff_version_id=version.id,
        tariff_code=draft.tariff_code,
        currency=draft.total.currency,
        subtotal=draft.subtotal.amount,
        tax_base=draft.tax_base.amount,
        vat=draft.vat.amount,
        vat_rate_percent=draft.vat_rule.rate_percent,
        tax_base_numerator=draft.vat_rule.base_numerator,
        tax_base_denominator=draft.vat_rule.base_denominator,
        total=draft.total.amount,
        initial_payment=draft.initial_payment.amount,
        balance_due=draft.balance_due.amount,
        paid_amount=Decimal(0),
        paid_at=now if settled else None,
        issued_by_id=viewer.principal_id,
        customer_name=shipment.consignee_name,
        customer_npwp=shipment.consignee_npwp,
    )
    session.add(invoice)
    await session.flush()
    return invoice


def store_lines(
    session: AsyncSession, invoice: Invoice, draft: InvoiceDraft
) -> tuple[InvoiceLine, ...]:
    """Store a draft's lines under an invoice, in order from 1."""
    lines = tuple(
        InvoiceLine(
            organisation_id=invoice.organisation_id,
            invoice_id=invoice.id,
            position=position,
            service=line.service,
            container_number=line.container_number,
            quantity=line.quantity,
            unit_price=line.unit_price.amount,
            amount=line.amount.amount,
            period=line.period,
            description=line.description,
        )
        for position, line in enumerate(draft.lines, start=1)
    )
    session.add_all(lines)
    return lines


async def announce_issued(session: AsyncSession, invoice: Invoice) -> None:
    """Write the invoice, then tell the shipment's subscribers after commit."""
    await session.flush()
    record(
        session,
        shipment_channel(invoice.shipment_id),
        "INVOICE_ISSUED",
        shipmentId=str(invoice.shipment_id),
        invoiceId=str(invoice.id),
    )
