"""A gate pass needs the DO in force over the slot and the storage paid through it.

Dates are local days at Tanjung Priok (WIB) counted from today, D0. The box
was discharged on D0-2 at 08:00, before noon: free to that midnight, then
300% on D0-1 and 600% (the capped scheme in force) from D0 on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from domain.models.payments import PaymentPurpose
from domain.models.scheduling import BookingStatus, TruckBooking
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Factory, Member
from tests.support.post_service import (
    CHECK_DOCUMENTS,
    WIB,
    Box,
    Seeded,
    booking,
    file_delivery_order,
    local_today,
    payment,
    seed_tariffs,
    shipment,
)
from tests.support.pre_service import upload

BOX = "CSQU3054383"
D0 = local_today()
GATE_PASS = """
mutation($input: RequestGatePassInput!) {
  requestGatePass(input: $input) { gatePass { status } userErrors { code message } }
}"""
FINALIZE = """
mutation($id: ID!) {
  finalizeInvoice(input: {shipmentId: $id}) {
    invoice { number balanceDue { amount } } userErrors { code }
  }
}"""
EXTEND = """
mutation($id: ID!) {
  extendStorage(input: {shipmentId: $id}) {
    invoice {
      number status chargedUntil extendsInvoice { number }
      lines { service containerNumber quantity period
              unitPrice { amount } amount { amount } }
      subtotal { amount } taxBase { amount } vat { amount } total { amount }
      initialPayment { amount } balanceDue { amount }
    }
    userErrors { field code }
  }
}"""
STATE = """
query($id: ID!) {
  node(id: $id) {
    ... on Shipment { invoice { number } containers { storagePaidThrough } }
  }
}"""


def wib(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=WIB)


def day(offset: int) -> date:
    return D0 + timedelta(days=offset)


@dataclass
class Served:
    """A released box of a shipment, booked, its DO filed, maybe invoiced."""

    owner: Member
    seeded: Seeded
    booking_id: str

    async def gate_pass(self) -> list[str]:
        variables = {"input": {"bookingId": self.booking_id, "containerNumber": BOX}}
        data = await self.owner.client.data(GATE_PASS, variables)
        return [e["code"] for e in data["requestGatePass"]["userErrors"]]

    async def invoice(self, database: Database) -> dict[str, Any]:
        data = await self.owner.client.data(FINALIZE, {"id": self.seeded.global_id})
        invoice: dict[str, Any] = data["finalizeInvoice"]["invoice"]
        balance = invoice["balanceDue"]["amount"]
        await payment(database, self.seeded, balance, PaymentPurpose.INVOICE)
        return invoice

    async def rebook(self, database: Database, starts_at: datetime) -> None:
        async with database.transaction(SYSTEM) as session:
            await session.execute(
                update(TruckBooking).values(status=BookingStatus.CANCELLED)
            )
        self.booking_id = str(await booking(database, self.seeded, BOX, starts_at))


async def served(
    database: Database,
    owner: Member,
    slot_at: datetime,
    valid_until: date,
    issued: date | None = None,
) -> Served:
    await seed_tariffs(database)
    discharged = wib(day(-2), 8)
    seeded = await shipment(
        database,
        owner.organisation_id,
        [Box(BOX, "22G1", discharged, customs_released_at=discharged)],
    )
    await file_delivery_order(owner.client, seeded, valid_until, issued)
    booked = await booking(database, seeded, BOX, slot_at)
    return Served(owner, seeded, str(booked))


@pytest.fixture
async def owner(factory: Factory) -> Member:
    return await factory.member()


async def test_the_validity_read_from_the_do_is_shown_and_bounds_the_pickup(
    database: Database, owner: Member
) -> None:
    box = await served(database, owner, wib(day(3), 9), day(1), issued=day(-5))
    await box.invoice(database)

    data = await owner.client.data(
        "query($id: ID!) { node(id: $id) { ... on Shipment { documents "
        "{ kind validFrom validUntil } } } }",
        {"id": box.seeded.global_id},
    )
    lapsed = await box.gate_pass()
    # The line extends the release: a new DO, read when the set is checked.
    documents = await file_delivery_order(owner.client, box.seeded, day(7))
    extended = await box.gate_pass()

    assert data["node"]["documents"] == [
        {
            "kind": "DELIVERY_ORDER",
            "validFrom": day(-5).isoformat(),
            "validUntil": day(1).isoformat(),
        }
    ]
    assert lapsed == ["DO_EXPIRED"]
    assert [d["validUntil"] for d in documents["documents"]] == [
        day(1).isoformat(),
        day(7).isoformat(),
    ]
    assert extended == []


async def test_a_slot_before_the_do_is_issued_is_refused(
    database: Database, owner: Member
) -> None:
    box = await served(database, owner, wib(day(1), 9), day(10), issued=day(2))
    await box.invoice(database)

    assert await box.gate_pass() == ["DO_NOT_YET_VALID"]


async def test_a_pickup_after_the_storage_paid_needs_a_paid_extension(
    database: Database, owner: Member
) -> None:
    box = await served(database, owner, wib(day(1), 9), day(14))
    consolidated = await box.invoice(database)
    state = await owner.client.data(STATE, {"id": box.seeded.global_id})
    await box.rebook(database, wib(day(3), 9))

    refused = await box.gate_pass()
    extension = await owner.client.data(EXTEND, {"id": box.seeded.global_id})
    unpaid = await box.gate_pass()
    invoice = extension["extendStorage"]["invoice"]
    await payment(
        database, box.seeded, invoice["balanceDue"]["amount"], PaymentPurpose.INVOICE
    )
    paid = await box.gate_pass()
    again = await owner.client.data(EXTEND, {"id": box.seeded.global_id})
    after = await owner.client.data(STATE, {"id": box.seeded.global_id})

    # Charged to the end of the slot on D0+1: paid through that midnight.
    paid_through = wib(day(2), 0).astimezone(UTC)
    assert state["node"]["containers"] == [
        {"storagePaidThrough": paid_through.isoformat()}
    ]
    assert refused == ["STORAGE_EXTENSION_DUE"]
    assert extension["extendStorage"]["userErrors"] == []
    year, sequence = consolidated["number"].rsplit("-", 1)
    assert invoice["number"] == f"{year}-{int(sequence) + 1:06d}"
    assert invoice["extendsInvoice"] == {"number": consolidated["number"]}
    # D0+2 and D0+3, scheme days 5 and 6, at 600% of Rp 42,500.
    assert invoice["lines"] == [
        {
            "service": "STORAGE",
            "containerNumber": BOX,
            "quantity": 2,
            "period": "P3",
            "unitPrice": {"amount": "255000"},
            "amount": {"amount": "510000"},
        }
    ]
    assert invoice["subtotal"] == {"amount": "510000"}
    assert invoice["taxBase"] == {"amount": "467500"}  # 510,000 x 11/12
    assert invoice["vat"] == {"amount": "56100"}  # 12% of the base
    assert invoice["total"] == invoice["balanceDue"] == {"amount": "566100"}
    assert invoice["initialPayment"] == {"amount": "0"}
    assert invoice["chargedUntil"] == wib(day(3), 11).astimezone(UTC).isoformat()
    assert unpaid == ["NOT_PAID"]
    assert paid == []
    assert [e["code"] for e in again["extendStorage"]["userErrors"]] == [
        "NOTHING_TO_EXTEND"
    ]
    assert after["node"]["invoice"] == {"number": consolidated["number"]}
    assert after["node"]["containers"] == [
        {"storagePaidThrough": wib(day(4), 0).astimezone(UTC).isoformat()}
    ]


async def test_storage_is_extended_only_after_the_invoice_and_by_the_owner(
    database: Database, owner: Member, factory: Factory
) -> None:
    box = await served(database, owner, wib(day(1), 9), day(14))
    outsider = await factory.member()

    early = await owner.client.data(EXTEND, {"id": box.seeded.global_id})
    await box.invoice(database)
    foreign = await outsider.client.data(EXTEND, {"id": box.seeded.global_id})

    assert [e["code"] for e in early["extendStorage"]["userErrors"]] == ["NOT_INVOICED"]
    assert [e["code"] for e in foreign["extendStorage"]["userErrors"]] == ["NOT_FOUND"]


async def test_the_customer_types_the_validity_of_a_do_the_assistant_cannot_read(
    database: Database, owner: Member
) -> None:
    await seed_tariffs(database)
    discharged = wib(day(-2), 8)
    seeded = await shipment(
        database,
        owner.organisation_id,
        [Box(BOX, "22G1", discharged, customs_released_at=discharged)],
    )
    scan = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    typed = {"validUntil": day(1).isoformat()}
    png = {"filename": "scan.png", "content_type": "image/png", "fields": typed}

    wrong_kind = await upload(owner.client, seeded.global_id, "PIB", scan, **png)
    # The calendar's last day would overflow every moment the DO stands for.
    far = {**png, "fields": {"validUntil": "9999-12-31"}}
    too_far = await upload(
        owner.client, seeded.global_id, "DELIVERY_ORDER", scan, **far
    )
    uploaded = await upload(
        owner.client, seeded.global_id, "DELIVERY_ORDER", scan, **png
    )
    await owner.client.mutate(CHECK_DOCUMENTS, {"id": seeded.global_id})
    box = Served(
        owner, seeded, str(await booking(database, seeded, BOX, wib(day(1), 9)))
    )
    await box.invoice(database)
    within = await box.gate_pass()
    await box.rebook(database, wib(day(2), 9))

    assert [e["code"] for e in wrong_kind["userErrors"]] == ["NOT_A_DELIVERY_ORDER"]
    assert [(e["field"], e["code"]) for e in too_far["userErrors"]] == [
        (["input", "validUntil"], "OUT_OF_RANGE")
    ]
    assert uploaded["userErrors"] == []
    assert within == []
    assert await box.gate_pass() == ["DO_EXPIRED", "STORAGE_EXTENSION_DUE"]
