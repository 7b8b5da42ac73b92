"""Paying a shipment through the finance system (Praya): starting a payment.

Starting a payment spans two transactions around one call to Praya, so that
nothing is lost and nothing is half-written:

1. the payment row is stored PENDING_CREATE, unique per (shipment, client key);
2. Praya issues the bill, with the payment's id as its idempotency key;
3. the bill (id, virtual account, expiry) is stored and the payment is PENDING.

When Praya is down at step 2 the row stays PENDING_CREATE and the client
gets FINANCE_UNAVAILABLE; repeating the request with the same client key
resumes at step 2, and Praya's idempotency makes a second bill impossible.

The shipment moves VERIFIED -> AWAITING_PAYMENT when its bill is issued; the
payment is confirmed by callback or by reconciliation
(domain/services/payment_confirmations.py). The balance of an issued invoice
is paid the same way (purpose INVOICE). Once the invoice is issued no initial
payment is started (ALREADY_INVOICED); the invoice waits for a billed initial
payment, so one is never left out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ConflictError, DomainError, NotFoundError, ValidationError
from domain.events import record, shipment_channel
from domain.invoicing import ProformaContainer, estimate_initial_payment
from domain.models.identity import Organisation
from domain.models.payments import (
    LIVE_STATUSES,
    UNSETTLED_STATUSES,
    Payment,
    PaymentPurpose,
    PaymentStatus,
)
from domain.models.port import VesselCall
from domain.models.shipments import Container, Shipment
from domain.money import Money
from domain.ports.finance import Bill, BillStatus, FinanceSystem
from domain.seed_tariffs import PRIOK_VERSIONS
from domain.services import invoice_settlement
from domain.services.payment_confirmations import locked_payment, mark_paid
from domain.services.shipments import change_status, load_shipment
from domain.shipment_status import ShipmentStatus
from domain.tariff import TariffBook, is_reefer, size_class_of
from domain.unit_of_work import Database
from domain.viewer import PrincipalKind, Viewer

log = structlog.get_logger(__name__)

DEFAULT_PORT = "IDTPP"
PAYABLE = frozenset({ShipmentStatus.VERIFIED, ShipmentStatus.AWAITING_PAYMENT})
SYSTEM_SCOPE = {"skip_tenancy": True}
_WHAT = {
    PaymentPurpose.INITIAL: "Initial payment",
    PaymentPurpose.INVOICE: "Invoice balance",
}


class FinanceUnavailableError(DomainError):
    """The finance system could not be reached or failed; try again later."""

    code = "FINANCE_UNAVAILABLE"


class FinanceRefusedError(DomainError):
    """The finance system refused the request; retrying will not help."""

    code = "FINANCE_REFUSED"


@dataclass(frozen=True, slots=True)
class StartPayment:
    """A client's request to pay; `expected_amount` is the amount it was shown."""

    shipment_id: uuid.UUID
    client_key: str
    purpose: PaymentPurpose
    expected_amount: Decimal | None = None


async def start_payment(
    database: Database,
    viewer: Viewer,
    finance: FinanceSystem,
    command: StartPayment,
    now: datetime,
) -> Payment:
    """Open (or resume) the payment for a client key and have Praya bill it."""
    async with database.transaction(viewer) as session:
        payment = await _open_payment(session, viewer, command, now)
        if payment.status is not PaymentStatus.PENDING_CREATE:
            return payment
        shipment = await load_shipment(session, payment.shipment_id)
        customer = await _customer_name(session, shipment)

    bill = await finance.create_bill(
        idempotency_key=str(payment.id),
        shipment_ref=shipment.reference,
        customer_name=customer,
        amount=payment.amount,
        currency=payment.currency,
        description=f"{_WHAT[payment.purpose]} for {shipment.reference}",
    )

    async with database.transaction(viewer) as session:
        return await _record_bill(session, viewer, payment.id, bill)


async def initial_amount(
    session: AsyncSession, shipment: Shipment, now: datetime
) -> Money:
    """The proforma total (with PPN) for the request's boxes, by the tariff in force."""
    boxes = list(
        await session.scalars(
            select(Container).where(Container.shipment_id == shipment.id)
        )
    )
    if not boxes:
        raise ValidationError(
            "the request has no containers to pay for", code="NO_CONTAINERS"
        )
    call = None
    if shipment.vessel_call_id is not None:
        call = await session.scalar(
            select(VesselCall).where(VesselCall.id == shipment.vessel_call_id)
        )
    port = call.port if call is not None else DEFAULT_PORT
    book = TariffBook.in_force([b for b in PRIOK_VERSIONS if b.port == port], now)
    containers = [
        ProformaContainer(b.number, size_class_of(b.size_type), is_reefer(b.size_type))
        for b in boxes
    ]
    discharge = call.eta if call is not None and call.eta is not None else now
    return estimate_initial_payment(book, containers, discharge).total


async def _open_payment(
    session: AsyncSession, viewer: Viewer, command: StartPayment, now: datetime
) -> Payment:
    key = command.client_key.strip()
    if not 1 <= len(key) <= 100:
        raise ValidationError(
            "a client key is 1 to 100 characters", field=("clientKey",)
        )
    # The lock serialises concurrent starts for one shipment, whatever their keys.
    shipment = await load_shipment(session, command.shipment_id, lock=True)
    amount = await _amount_due(session, shipment, command.purpose, now)

    existing = await session.scalar(
        select(Payment).where(
            Payment.shipment_id == shipment.id, Payment.client_key == key
        )
    )
    if existing is not None:
        repeated = _same_request(existing, command, amount)
        if repeated.status is PaymentStatus.PENDING_CREATE:
            await _refuse_after_invoice(session, shipment, command.purpose)
        return repeated
    await _refuse_after_invoice(session, shipment, command.purpose)
    _check_payable(shipment, command, amount)
    await _refuse_second_live(session, shipment, command.purpose)

    payment = Payment(
        organisation_id=shipment.organisation_id,
        shipment_id=shipment.id,
        purpose=command.purpose,
        client_key=key,
        amount=amount.amount,
        currency=amount.currency,
        status=PaymentStatus.PENDING_CREATE,
        started_by_id=None
        if viewer.kind is PrincipalKind.SYSTEM
        else viewer.principal_id,
    )
    session.add(payment)
    await session.flush()
    log.info("payment.opened", payment_id=str(payment.id), amount=str(amount))
    return payment


def _same_request(existing: Payment, command: StartPayment, amount: Money) -> Payment:
    """A repeated key must repeat the request: same purpose, same amount."""
    asked = (
        command.expected_amount
        if command.expected_amount is not None
        else amount.amount
    )
    if existing.purpose is not command.purpose or existing.amount != asked:
        raise ConflictError(
            "this client key was used for another payment",
            code="IDEMPOTENCY_CONFLICT",
            field=("clientKey",),
        )
    return existing


async def _amount_due(
    session: AsyncSession, shipment: Shipment, purpose: PaymentPurpose, now: datetime
) -> Money:
    """The proforma estimate, or what the issued invoice still asks."""
    if purpose is PaymentPurpose.INITIAL:
        return await initial_amount(session, shipment, now)
    owed = await invoice_settlement.amount_owed(session, shipment.id)
    if owed is None:
        raise ValidationError(
            "the invoice is paid once it is issued",
            code="INVOICE_NOT_AVAILABLE",
            field=("purpose",),
        )
    if owed.amount <= 0:
        raise ConflictError(
            f"the invoices of {shipment.reference} have nothing to pay",
            code="NOTHING_DUE",
        )
    return owed


async def _refuse_after_invoice(
    session: AsyncSession, shipment: Shipment, purpose: PaymentPurpose
) -> None:
    """No initial payment once the invoice is issued: it would credit nothing."""
    if purpose is not PaymentPurpose.INITIAL:
        return
    if await invoice_settlement.invoices_of(session, shipment.id):
        raise ConflictError(
            f"request {shipment.reference} is already invoiced: pay the invoice's "
            "balance (purpose INVOICE) instead",
            code="ALREADY_INVOICED",
            field=("purpose",),
        )


def _check_payable(shipment: Shipment, command: StartPayment, amount: Money) -> None:
    # An issued invoice is payable whatever the request's stage.
    initial = command.purpose is PaymentPurpose.INITIAL
    if initial and shipment.status not in PAYABLE:
        raise ConflictError(
            f"a {shipment.status.value} request cannot be paid yet",
            code="NOT_PAYABLE",
        )
    if command.expected_amount is not None and command.expected_amount != amount.amount:
        raise ConflictError(
            f"the {_WHAT[command.purpose].lower()} is now {amount}",
            code="AMOUNT_CHANGED",
            field=("expectedAmount",),
        )


async def _refuse_second_live(
    session: AsyncSession, shipment: Shipment, purpose: PaymentPurpose
) -> None:
    # A paid balance does not block paying a storage extension issued later;
    # nothing is owed twice, since the amount due counts what was paid.
    statuses = (
        LIVE_STATUSES if purpose is PaymentPurpose.INITIAL else UNSETTLED_STATUSES
    )
    live = await session.scalar(
        select(Payment.id).where(
            Payment.shipment_id == shipment.id,
            Payment.purpose == purpose,
            Payment.status.in_(statuses),
        )
    )
    if live is not None:
        raise ConflictError(
            f"the {purpose.value.lower()} payment was already started with "
            "another client key",
            code="PAYMENT_ALREADY_STARTED",
            field=("clientKey",),
        )


async def _customer_name(session: AsyncSession, shipment: Shipment) -> str:
    name = await session.scalar(
        select(Organisation.name)
        .where(Organisation.id == shipment.organisation_id)
        .execution_options(**SYSTEM_SCOPE)
    )
    return name or shipment.consignee_name or shipment.reference


async def _check_bill_is_new(
    session: AsyncSession, payment: Payment, bill: Bill
) -> None:
    """A bill id Praya gave another payment is its fault: nothing is recorded.

    The payment stays PENDING_CREATE, so a retry with the same key resumes
    once the finance system answers with a bill of its own.
    """
    holder = await session.scalar(
        select(Payment.id)
        .where(Payment.bill_id == bill.bill_id, Payment.id != payment.id)
        .execution_options(**SYSTEM_SCOPE)
    )
    if holder is not None:
        log.error(
            "payment.bill_reused", payment_id=str(payment.id), bill_id=bill.bill_id
        )
        raise ConflictError(
            "the finance system answered with a bill that belongs to another "
            "payment; nothing was charged, try again later",
            code="BILL_CONFLICT",
            field=("clientKey",),
        )


async def _record_bill(
    session: AsyncSession, viewer: Viewer, payment_id: uuid.UUID, bill: Bill
) -> Payment:
    payment = await locked_payment(session, Payment.id == payment_id)
    if payment is None:
        raise NotFoundError("the payment is gone", field=("shipmentId",))
    if payment.status is not PaymentStatus.PENDING_CREATE:
        return payment
    await _check_bill_is_new(session, payment, bill)
    payment.bill_id = bill.bill_id
    payment.virtual_account = bill.virtual_account
    payment.expires_at = bill.expires_at
    payment.status = PaymentStatus.PENDING

    shipment = await load_shipment(session, payment.shipment_id, lock=True)
    initial = payment.purpose is PaymentPurpose.INITIAL
    if initial and shipment.status is ShipmentStatus.VERIFIED:
        await change_status(
            session,
            viewer,
            shipment,
            ShipmentStatus.AWAITING_PAYMENT,
            f"initial payment billed to virtual account {bill.virtual_account}",
        )
    record(
        session,
        shipment_channel(shipment.id),
        "PAYMENT_STARTED",
        shipmentId=str(shipment.id),
        paymentId=str(payment.id),
    )
    log.info("payment.billed", payment_id=str(payment.id), bill_id=bill.bill_id)
    if bill.status is BillStatus.PAID and bill.paid_at is not None:
        await mark_paid(session, payment, bill.paid_at, None)
    return payment
