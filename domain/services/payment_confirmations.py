"""Confirming payments: Praya's paid notices, by callback or by reconciliation, once.

A confirmed payment moves its shipment AWAITING_PAYMENT -> IN_SERVICE, by
callback or by reconciliation, whichever comes first; a repeated confirmation
changes nothing. The confirmation of an invoice's balance (purpose INVOICE)
credits the invoice instead of starting the service.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ConflictError, DomainError
from domain.events import record, shipment_channel
from domain.models.payments import Payment, PaymentPurpose, PaymentStatus
from domain.models.shipments import Shipment
from domain.money import Money
from domain.ports.finance import Bill, BillStatus, FinanceSystem
from domain.services import gate, invoice_settlement
from domain.services.shipments import change_status, load_shipment
from domain.shipment_status import ShipmentStatus, check_transition
from domain.unit_of_work import Database
from domain.viewer import SYSTEM

log = structlog.get_logger(__name__)

LAPSED = {
    BillStatus.EXPIRED: PaymentStatus.EXPIRED,
    BillStatus.CANCELLED: PaymentStatus.CANCELLED,
}


class Confirmation(enum.StrEnum):
    """What a paid notice did."""

    CONFIRMED = "CONFIRMED"
    DUPLICATE = "DUPLICATE"
    UNKNOWN_BILL = "UNKNOWN_BILL"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"


@dataclass(frozen=True, slots=True)
class PaidNotice:
    """Praya says a bill was paid: by callback (with an event id) or on request."""

    bill_id: str
    amount: Decimal
    currency: str
    paid_at: datetime
    event_id: str | None = None


async def confirm_payment(session: AsyncSession, notice: PaidNotice) -> Confirmation:
    """Mark a bill's payment paid, once; repeats and strangers change nothing."""
    payment = await locked_payment(session, Payment.bill_id == notice.bill_id)
    if payment is None:
        log.warning("payment.confirm.unknown_bill", bill_id=notice.bill_id)
        return Confirmation.UNKNOWN_BILL
    if payment.status is PaymentStatus.PAID:
        log.info("payment.callback.duplicate", payment_id=str(payment.id))
        return Confirmation.DUPLICATE
    if (payment.amount, payment.currency) != (notice.amount, notice.currency):
        log.warning(
            "payment.confirm.amount_mismatch",
            payment_id=str(payment.id),
            expected=str(payment.amount),
            paid=str(notice.amount),
        )
        return Confirmation.AMOUNT_MISMATCH
    await mark_paid(session, payment, notice.paid_at, notice.event_id)
    return Confirmation.CONFIRMED


async def mark_paid(
    session: AsyncSession, payment: Payment, paid_at: datetime, event_id: str | None
) -> None:
    """Record a payment paid and credit it; the caller checks it was not already."""
    payment.status = PaymentStatus.PAID
    payment.paid_at = paid_at
    payment.paid_event_id = event_id
    shipment = await load_shipment(session, payment.shipment_id, lock=True)
    if payment.purpose is PaymentPurpose.INVOICE:
        await _settle_invoice(session, shipment, payment, paid_at)
        return
    try:
        check_transition(shipment.status, ShipmentStatus.IN_SERVICE)
    except ConflictError:
        log.warning(
            "payment.paid_in_unexpected_status",
            shipment_id=str(shipment.id),
            status=shipment.status.value,
        )
    else:
        await change_status(
            session, SYSTEM, shipment, ShipmentStatus.IN_SERVICE, "initial payment paid"
        )
    if await invoice_settlement.invoices_of(session, shipment.id):
        # Paid after the invoice was issued (a lapsed bill paid late): the
        # invoice did not credit it, so it goes to the balance still owed.
        log.warning("payment.initial_after_invoice", payment_id=str(payment.id))
        paid = Money(payment.amount, payment.currency)
        await invoice_settlement.record_payment(session, shipment.id, paid, paid_at)
        await gate.refresh_readiness(session, SYSTEM, shipment, paid_at)
    record(
        session,
        shipment_channel(shipment.id),
        "PAYMENT_CONFIRMED",
        shipmentId=str(shipment.id),
        paymentId=str(payment.id),
    )
    log.info("payment.confirmed", payment_id=str(payment.id))


async def _settle_invoice(
    session: AsyncSession, shipment: Shipment, payment: Payment, paid_at: datetime
) -> None:
    """Credit the invoice; once it is settled the boxes may be ready for pickup."""
    paid = Money(payment.amount, payment.currency)
    await invoice_settlement.record_payment(session, shipment.id, paid, paid_at)
    await gate.refresh_readiness(session, SYSTEM, shipment, paid_at)
    log.info("payment.confirmed", payment_id=str(payment.id))


async def locked_payment(
    session: AsyncSession, condition: ColumnElement[bool]
) -> Payment | None:
    """The payment that meets `condition`, locked for the rest of the transaction."""
    return await session.scalar(select(Payment).where(condition).with_for_update())


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What one pass over the pending payments found."""

    checked: int = 0
    confirmed: int = 0
    lapsed: int = 0
    failed: int = 0


async def reconcile_pending(
    database: Database, finance: FinanceSystem, *, limit: int = 100
) -> Reconciliation:
    """Ask Praya about every billed, unpaid payment, so a lost callback still counts."""
    async with database.transaction(SYSTEM) as session:
        bills = list(
            await session.scalars(
                select(Payment.bill_id)
                .where(Payment.status == PaymentStatus.PENDING)
                .order_by(Payment.updated_at)
                .limit(limit)
            )
        )
    confirmed = lapsed = failed = 0
    for bill_id in bills:
        if bill_id is None:
            continue
        try:
            bill = await finance.get_bill(bill_id)
        except DomainError as error:
            failed += 1
            log.warning("payment.reconcile.failed", bill_id=bill_id, code=error.code)
            continue
        async with database.transaction(SYSTEM) as session:
            outcome = await _settle(session, bill)
        confirmed += outcome is Confirmation.CONFIRMED
        lapsed += outcome is None and bill.status in LAPSED
    return Reconciliation(len(bills), confirmed, lapsed, failed)


async def _settle(session: AsyncSession, bill: Bill) -> Confirmation | None:
    if bill.status is BillStatus.PAID and bill.paid_at is not None:
        notice = PaidNotice(bill.bill_id, bill.amount, bill.currency, bill.paid_at)
        return await confirm_payment(session, notice)
    lapsed = LAPSED.get(bill.status)
    if lapsed is None:
        return None
    payment = await locked_payment(session, Payment.bill_id == bill.bill_id)
    if payment is not None and payment.status is PaymentStatus.PENDING:
        payment.status = lapsed
        log.info("payment.lapsed", payment_id=str(payment.id), status=lapsed.value)
    return None
