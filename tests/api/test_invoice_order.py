"""What comes before the consolidated invoice: the initial payment and deliveries.

The invoice credits the initial payment and bills every delivery ordered, so it
is issued only once the initial payment is paid, and afterwards neither an
initial payment nor a delivery is taken that no invoice would account for.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from domain.models.billing import Invoice
from domain.models.payments import Payment, PaymentPurpose, PaymentStatus
from domain.models.shipments import Shipment
from domain.services import payment_confirmations
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Factory, Member
from tests.support.post_service import (
    Box,
    Seeded,
    delivery_order,
    seed_tariffs,
    shipment,
)

BOX = "CSQU3054383"
FINALIZE = """
mutation($id: ID!) {
  finalizeInvoice(input: {shipmentId: $id}) {
    invoice { id status initialPayment { amount } balanceDue { amount }
              lines { service amount { amount } } }
    userErrors { field code message }
  }
}"""
START_PAYMENT = """
mutation($id: ID!, $key: String!, $purpose: PaymentPurpose!) {
  startPayment(input: {shipmentId: $id, clientKey: $key, purpose: $purpose}) {
    payment { id purpose status amount { amount } }
    userErrors { field code message }
  }
}"""
DELIVERY = """
mutation($input: RequestDeliveryInput!) {
  requestDelivery(input: $input) {
    delivery { price { amount } status }
    userErrors { field code message }
  }
}"""


async def served(
    database: Database,
    owner: Member,
    status: ShipmentStatus = ShipmentStatus.IN_SERVICE,
) -> Seeded:
    """A released box in the yard two days, its DO on file."""
    await seed_tariffs(database)
    discharged = datetime.now(UTC) - timedelta(days=2)
    seeded = await shipment(
        database,
        owner.organisation_id,
        [Box(BOX, "22G1", discharged, customs_released_at=discharged)],
        status=status,
    )
    await delivery_order(database, seeded)
    return seeded


async def finalize(owner: Member, seeded: Seeded) -> dict[str, Any]:
    data = await owner.client.data(FINALIZE, {"id": seeded.global_id})
    payload: dict[str, Any] = data["finalizeInvoice"]
    return payload


async def start_initial(owner: Member, seeded: Seeded, key: str) -> dict[str, Any]:
    variables = {"id": seeded.global_id, "key": key, "purpose": "INITIAL"}
    data = await owner.client.data(START_PAYMENT, variables)
    payload: dict[str, Any] = data["startPayment"]
    return payload


async def order_delivery(owner: Member, seeded: Seeded) -> dict[str, Any]:
    window = datetime.now(UTC) + timedelta(days=1)
    variables = {
        "input": {
            "shipmentId": seeded.global_id,
            "containerIds": [str(seeded.containers[BOX])],
            "address": "Jl. Industri 1, Cikarang",
            "windowFrom": window.isoformat(),
            "windowTo": (window + timedelta(hours=4)).isoformat(),
        }
    }
    data = await owner.client.data(DELIVERY, variables)
    payload: dict[str, Any] = data["requestDelivery"]
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def billed_initial(database: Database, seeded: Seeded, amount: str) -> str:
    """An initial payment billed at Praya and not paid yet; its bill id."""
    bill_id = f"BILL-{uuid.uuid4().hex[:12]}"
    async with database.transaction(SYSTEM) as session:
        session.add(
            Payment(
                organisation_id=seeded.organisation_id,
                shipment_id=seeded.shipment_id,
                purpose=PaymentPurpose.INITIAL,
                client_key=f"key-{bill_id}",
                amount=Decimal(amount),
                currency="IDR",
                status=PaymentStatus.PENDING,
                bill_id=bill_id,
            )
        )
    return bill_id


async def paid_notice(database: Database, bill_id: str, amount: str) -> None:
    """Praya's paid notice for a bill, as its callback delivers it."""
    notice = payment_confirmations.PaidNotice(
        bill_id, Decimal(amount), "IDR", datetime.now(UTC)
    )
    async with database.transaction(SYSTEM) as session:
        outcome = await payment_confirmations.confirm_payment(session, notice)
    assert outcome is payment_confirmations.Confirmation.CONFIRMED


# --- the initial payment comes first ------------------------------------------


@pytest.mark.parametrize(
    "status", [ShipmentStatus.VERIFIED, ShipmentStatus.AWAITING_PAYMENT]
)
async def test_the_invoice_waits_for_the_initial_payment_so_nobody_pays_twice(
    database: Database, factory: Factory, status: ShipmentStatus
) -> None:
    owner = await factory.member()
    seeded = await served(database, owner, status)

    finalized = await finalize(owner, seeded)
    initial = await start_initial(owner, seeded, "initial-1")

    assert finalized["invoice"] is None
    assert codes(finalized) == ["INITIAL_PAYMENT_DUE"]
    assert finalized["userErrors"][0]["field"] == ["input", "shipmentId"]
    # The proforma is still paid as before, and the invoice will credit it.
    assert initial["userErrors"] == []
    assert initial["payment"]["purpose"] == "INITIAL"


async def test_a_billed_initial_payment_holds_the_invoice_then_is_credited_on_it(
    database: Database, factory: Factory
) -> None:
    owner = await factory.member()
    seeded = await served(database, owner, ShipmentStatus.AWAITING_PAYMENT)
    bill_id = await billed_initial(database, seeded, "3000000")

    waiting = await finalize(owner, seeded)
    await paid_notice(database, bill_id, "3000000")
    issued = await finalize(owner, seeded)

    assert codes(waiting) == ["INITIAL_PAYMENT_DUE"]
    assert issued["userErrors"] == []
    assert Decimal(issued["invoice"]["initialPayment"]["amount"]) == Decimal("3000000")


async def test_a_served_request_with_an_unpaid_initial_bill_is_not_invoiced(
    database: Database, factory: Factory
) -> None:
    owner = await factory.member()
    seeded = await served(database, owner)
    await billed_initial(database, seeded, "3000000")

    finalized = await finalize(owner, seeded)

    assert finalized["invoice"] is None
    assert codes(finalized) == ["INITIAL_PAYMENT_DUE"]


async def test_no_initial_payment_is_started_once_the_request_is_invoiced(
    database: Database, factory: Factory
) -> None:
    owner = await factory.member()
    seeded = await served(database, owner)
    assert (await finalize(owner, seeded))["userErrors"] == []
    # As an invoice issued before the initial payment (by an older release)
    # would have left it: the request is still waiting for its proforma.
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            update(Shipment)
            .where(Shipment.id == seeded.shipment_id)
            .values(status=ShipmentStatus.AWAITING_PAYMENT)
        )

    initial = await start_initial(owner, seeded, "initial-late")

    assert initial["payment"] is None
    assert codes(initial) == ["ALREADY_INVOICED"]
    assert initial["userErrors"][0]["field"] == ["input", "purpose"]


async def test_an_initial_bill_paid_after_the_invoice_is_credited_to_its_balance(
    database: Database, factory: Factory
) -> None:
    owner = await factory.member()
    seeded = await served(database, owner)
    issued = await finalize(owner, seeded)
    balance = Decimal(issued["invoice"]["balanceDue"]["amount"])
    # A bill that had lapsed, paid late all the same.
    bill_id = await billed_initial(database, seeded, "100000")
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            update(Payment)
            .where(Payment.bill_id == bill_id)
            .values(status=PaymentStatus.EXPIRED)
        )

    await paid_notice(database, bill_id, "100000")

    async with database.transaction(SYSTEM) as session:
        paid = await session.scalar(
            select(Invoice.paid_amount).where(Invoice.shipment_id == seeded.shipment_id)
        )
    assert balance > Decimal("100000")
    assert paid == Decimal("100000")


# --- deliveries come before the invoice ---------------------------------------


async def test_a_delivery_ordered_before_the_invoice_is_billed_on_it(
    database: Database, factory: Factory
) -> None:
    owner = await factory.member()
    seeded = await served(database, owner)

    ordered = await order_delivery(owner, seeded)
    issued = await finalize(owner, seeded)

    assert ordered["userErrors"] == []
    lines = issued["invoice"]["lines"]
    (delivery,) = [line for line in lines if line["service"] == "DELIVERY"]
    assert delivery["amount"] == ordered["delivery"]["price"]


async def test_a_delivery_ordered_after_the_invoice_is_refused(
    database: Database, factory: Factory
) -> None:
    owner = await factory.member()
    seeded = await served(database, owner)
    assert (await finalize(owner, seeded))["userErrors"] == []

    ordered = await order_delivery(owner, seeded)

    assert ordered["delivery"] is None
    assert codes(ordered) == ["INVOICE_ISSUED"]
    error = ordered["userErrors"][0]
    assert error["field"] == ["input", "shipmentId"]
    assert "before the invoice is finalised" in error["message"]


async def test_a_corrected_document_is_not_charged_again(
    database: Database, factory: Factory
) -> None:
    owner = await factory.member()
    seeded = await served(database, owner)
    # The customer hands in a corrected Delivery Order: one document still.
    await delivery_order(database, seeded)

    payload = await finalize(owner, seeded)

    fees = [
        line for line in payload["invoice"]["lines"] if line["service"] == "ADMIN_FEE"
    ]
    assert [fee["amount"]["amount"] for fee in fees] == ["25000"]
