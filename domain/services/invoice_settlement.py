"""Settling a shipment's invoices: what is owed, crediting payments, paid since when.

A shipment owes the balance of its consolidated invoice and the total of
each storage extension. The balance payments (purpose INVOICE) confirmed by
the finance system are credited to the invoices in the order they were
issued; the shipment counts as paid once every invoice is settled.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ValidationError
from domain.events import record, shipment_channel
from domain.models.billing import Invoice, InvoiceStatus
from domain.models.payments import Payment, PaymentPurpose, PaymentStatus
from domain.money import Money

log = structlog.get_logger(__name__)


async def invoices_of(
    session: AsyncSession, shipment_id: uuid.UUID, *, lock: bool = False
) -> list[Invoice]:
    """The shipment's invoices, consolidated first, then extensions as issued."""
    statement = (
        select(Invoice)
        .where(Invoice.shipment_id == shipment_id)
        .order_by(Invoice.issued_at, Invoice.year, Invoice.sequence)
    )
    if lock:
        statement = statement.with_for_update()
    return list(await session.scalars(statement))


def owed(invoice: Invoice) -> Decimal:
    """What is still to pay on one invoice; never negative (a refund is not owed)."""
    return max(invoice.balance_due - invoice.paid_amount, Decimal(0))


async def amount_owed(session: AsyncSession, shipment_id: uuid.UUID) -> Money | None:
    """What the shipment's invoices still ask together; None before any is issued."""
    issued = await invoices_of(session, shipment_id)
    if not issued:
        return None
    return Money(sum((owed(i) for i in issued), Decimal(0)), issued[0].currency)


async def shipment_paid_at(
    session: AsyncSession, shipment_id: uuid.UUID
) -> datetime | None:
    """When the last of the shipment's invoices was settled; None while any is owed.

    An invoice is settled when nothing was due at issue or when it is recorded
    paid; the invoices are also settled when the balance payments confirmed by
    the finance system cover what they asked together.
    """
    issued = await invoices_of(session, shipment_id)
    if not issued:
        return None
    settled = [_settled_at(i) for i in issued]
    if all(at is not None for at in settled):
        return max(at for at in settled if at is not None)
    paid, last = (
        await session.execute(
            select(
                func.coalesce(func.sum(Payment.amount), 0), func.max(Payment.paid_at)
            ).where(
                Payment.shipment_id == shipment_id,
                Payment.purpose == PaymentPurpose.INVOICE,
                Payment.status == PaymentStatus.PAID,
            )
        )
    ).one()
    asked = sum((max(i.balance_due, Decimal(0)) for i in issued), Decimal(0))
    return last if last is not None and Decimal(paid) >= asked else None


def _settled_at(invoice: Invoice) -> datetime | None:
    if invoice.balance_due <= 0:
        return invoice.issued_at
    return invoice.paid_at


async def record_payment(
    session: AsyncSession, shipment_id: uuid.UUID, amount: Money, at: datetime
) -> list[Invoice]:
    """Credit a confirmed balance payment to the invoices it settles, oldest first.

    For the finance system's paid notice of an INVOICE payment; each invoice
    it covers becomes PAID.
    """
    issued = await invoices_of(session, shipment_id, lock=True)
    if not issued:
        raise ValidationError("the shipment has no invoice", code="NOT_INVOICED")
    if amount.currency != issued[0].currency:
        raise ValidationError("payment currency differs", code="CURRENCY_MISMATCH")
    left = amount.amount
    credited = []
    for invoice in issued:
        due = owed(invoice)
        if due <= 0 or left <= 0:
            continue
        part = min(due, left)
        invoice.paid_amount += part
        left -= part
        credited.append(invoice)
        if owed(invoice) <= 0 and invoice.paid_at is None:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = at
            log.info("invoice.paid", invoice_id=str(invoice.id))
        record(
            session,
            shipment_channel(shipment_id),
            "INVOICE_PAID",
            shipmentId=str(shipment_id),
            invoiceId=str(invoice.id),
        )
    if left > 0:
        # More than asked: kept on the newest invoice, as a credit to refund.
        issued[-1].paid_amount += left
    return credited
