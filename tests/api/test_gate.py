"""Gate passes: each pickup condition refused on its own; tokens at the gate."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, update
from strawberry import relay

from domain.models.billing import Invoice
from domain.models.documents import Document
from domain.models.gate import GatePass
from domain.models.payments import Payment, PaymentPurpose
from domain.models.scheduling import BookingStatus, TruckBooking
from domain.models.shipments import Container, ContainerStatus
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Factory, Member
from tests.support.post_service import (
    Box,
    Seeded,
    booking,
    file_delivery_order,
    local_today,
    payment,
    seed_tariffs,
    shipment,
)

BOX = "CSQU3054383"
PLATE = "B 1234 XYZ"
REQUEST = """
mutation($input: RequestGatePassInput!) {
  requestGatePass(input: $input) {
    gatePass { id status truckPlate driverName containerNumber token qrCodePng
               slotStartsAt slotEndsAt }
    userErrors { field code message }
  }
}"""
RECORD = """
mutation($input: RecordGateEventInput!) {
  recordGateEvent(input: $input) {
    gateEvent { kind punctuality minutesLate turnaroundMinutes withinServiceLevel }
    gatePass { status }
    userErrors { field code message }
  }
}"""
FINALIZE = """
mutation($id: ID!) {
  finalizeInvoice(input: {shipmentId: $id}) {
    invoice { balanceDue { amount } } userErrors { code }
  }
}"""


@dataclass
class Ready:
    """A box that meets every pickup condition, booked in a slot an hour ahead.

    Its DO is uploaded and read through the API; its invoice is paid.
    """

    owner: Member
    seeded: Seeded
    booking_id: str
    slot_start: datetime


@pytest.fixture
async def ready(database: Database, factory: Factory) -> Ready:
    return await make_ready(database, factory)


async def make_ready(database: Database, factory: Factory) -> Ready:
    """The `ready` box, for other modules' fixtures."""
    await seed_tariffs(database)
    owner = await factory.member()
    discharged = datetime.now(UTC) - timedelta(days=2)
    seeded = await shipment(
        database,
        owner.organisation_id,
        [Box(BOX, "22G1", discharged, customs_released_at=discharged)],
    )
    valid_until = local_today() + timedelta(days=14)
    await file_delivery_order(owner.client, seeded, valid_until)
    slot_start = (datetime.now(UTC) + timedelta(hours=1)).replace(
        minute=0, second=0, microsecond=0
    )
    # Booked before the invoice, which then charges storage to the slot's end.
    booking_id = await booking(database, seeded, BOX, slot_start, plate=PLATE)
    finalized = await owner.client.data(FINALIZE, {"id": seeded.global_id})
    balance = finalized["finalizeInvoice"]["invoice"]["balanceDue"]["amount"]
    await payment(database, seeded, balance, PaymentPurpose.INVOICE)
    return Ready(owner, seeded, str(booking_id), slot_start)


async def request(ready: Ready, **extra: Any) -> dict[str, Any]:
    variables = {
        "input": {
            "bookingId": ready.booking_id,
            "containerNumber": BOX,
            **extra,
        }
    }
    data = await ready.owner.client.data(REQUEST, variables)
    payload: dict[str, Any] = data["requestGatePass"]
    return payload


async def test_a_ready_booked_box_gets_a_signed_pass_with_a_qr_code(
    ready: Ready,
) -> None:
    payload = await request(ready)

    assert payload["userErrors"] == []
    gate_pass = payload["gatePass"]
    assert gate_pass["status"] == "ISSUED"
    assert gate_pass["truckPlate"] == "B1234XYZ"
    assert gate_pass["driverName"] == "Budi"
    assert gate_pass["token"].startswith("GP1.")
    png = base64.b64decode(gate_pass["qrCodePng"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


async def _unbook(database: Database, seeded: Seeded) -> None:
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            update(TruckBooking).values(status=BookingStatus.CANCELLED)
        )


async def _undischarge(database: Database, seeded: Seeded) -> None:
    async with database.transaction(SYSTEM) as session:
        await session.execute(update(Container).values(discharged_at=None))


async def _unrelease(database: Database, seeded: Seeded) -> None:
    async with database.transaction(SYSTEM) as session:
        await session.execute(update(Container).values(customs_released_at=None))


async def _no_do(database: Database, seeded: Seeded) -> None:
    async with database.transaction(SYSTEM) as session:
        await session.execute(delete(Document))


async def _unpaid(database: Database, seeded: Seeded) -> None:
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            delete(Payment).where(Payment.purpose == PaymentPurpose.INVOICE)
        )


async def _hold(database: Database, seeded: Seeded) -> None:
    async with database.transaction(SYSTEM) as session:
        await session.execute(update(Container).values(status=ContainerStatus.HELD))


@pytest.mark.parametrize(
    ("unmeet", "code"),
    [
        (_undischarge, "NOT_DISCHARGED"),
        (_unrelease, "NOT_RELEASED"),
        (_no_do, "DO_INVALID"),
        (_unpaid, "NOT_PAID"),
        (_hold, "ON_HOLD"),
        (_unbook, "NOT_BOOKED"),
    ],
)
async def test_each_unmet_condition_is_refused_on_its_own(
    ready: Ready, database: Database, unmeet: Any, code: str
) -> None:
    await unmeet(database, ready.seeded)

    payload = await request(ready)

    assert payload["gatePass"] is None
    assert [e["code"] for e in payload["userErrors"]] == [code]


async def test_every_unmet_condition_is_named_at_once(
    ready: Ready, database: Database
) -> None:
    await _unrelease(database, ready.seeded)
    await _no_do(database, ready.seeded)
    await _unbook(database, ready.seeded)

    payload = await request(ready)

    codes = [e["code"] for e in payload["userErrors"]]
    assert codes == ["NOT_RELEASED", "DO_INVALID", "NOT_BOOKED"]
    # The box was named by its number: that is the input at fault.
    assert payload["userErrors"][0]["field"] == ["input", "containerNumber"]
    assert payload["userErrors"][2]["field"] == ["input", "bookingId"]


async def test_an_unpaid_invoice_balance_blocks_then_payment_releases(
    ready: Ready, database: Database
) -> None:
    async with database.transaction(SYSTEM) as session:
        await session.execute(delete(Payment))
        await session.execute(delete(Invoice))

    missing = await request(ready)
    assert [e["code"] for e in missing["userErrors"]] == ["NOT_PAID"]


async def _issue(ready: Ready) -> str:
    payload = await request(ready)
    assert payload["userErrors"] == []
    token: str = payload["gatePass"]["token"]
    return token


async def slot_opened(database: Database, ago: timedelta) -> datetime:
    """Move the issued passes' slot back to have opened `ago`; its new start.

    The gate takes times from a week back to a few minutes ahead only, so
    a test lets the slot lie behind it rather than record times to come.
    """
    start = datetime.now(UTC).replace(second=0, microsecond=0) - ago
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            update(GatePass).values(
                slot_starts_at=start,
                slot_ends_at=start + timedelta(hours=2),
                expires_at=start + timedelta(hours=2, minutes=30),
            )
        )
    return start


async def _record(
    operator: Member, token: str, kind: str, at: datetime, plate: str = PLATE
) -> dict[str, Any]:
    variables = {
        "input": {
            "token": token,
            "kind": kind,
            "truckPlate": plate,
            "at": at.isoformat(),
        }
    }
    data = await operator.client.data(RECORD, variables)
    payload: dict[str, Any] = data["recordGateEvent"]
    return payload


async def test_gate_in_and_out_record_both_sides_and_complete_the_shipment(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    start = await slot_opened(database, timedelta(hours=3))
    operator = await factory.operator()

    gate_in = await _record(operator, token, "GATE_IN", start)
    out_at = start + timedelta(minutes=130)
    gate_out = await _record(operator, token, "GATE_OUT", out_at)

    assert gate_in["userErrors"] == []
    assert gate_in["gateEvent"]["punctuality"] == "ON_TIME"
    assert gate_in["gateEvent"]["minutesLate"] == 0
    assert gate_out["gateEvent"]["turnaroundMinutes"] == 130
    assert gate_out["gateEvent"]["withinServiceLevel"] is False
    assert gate_out["gatePass"]["status"] == "COMPLETED"
    shipment_id = str(relay.GlobalID("Shipment", str(ready.seeded.shipment_id)))
    data = await ready.owner.client.data(
        "query($id: ID!) { node(id: $id) { ... on Shipment { status } } }",
        {"id": shipment_id},
    )
    assert data["node"]["status"] == "COMPLETED"
    # The box has left: another pass for it is refused as such.
    again = await request(ready)
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [
        (["input", "containerNumber"], "GATED_OUT")
    ]


async def test_late_arrival_within_grace_is_recorded_late(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    start = await slot_opened(database, timedelta(hours=3))
    operator = await factory.operator()

    # The slot is two hours long; 2 h 20 min after it opens is 20 minutes late.
    late = await _record(operator, token, "GATE_IN", start + timedelta(minutes=140))

    assert late["gateEvent"]["punctuality"] == "LATE"
    assert late["gateEvent"]["minutesLate"] == 20


async def test_a_forged_a_reused_and_a_wrong_truck_token_are_rejected(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    start = await slot_opened(database, timedelta(minutes=10))
    operator = await factory.operator()
    version, claims, mac = token.split(".")
    forged_claims = claims[:-4] + ("AAAA" if claims[-4:] != "AAAA" else "BBBB")

    forged = await _record(
        operator, f"{version}.{forged_claims}.{mac}", "GATE_IN", start
    )
    wrong_truck = await _record(operator, token, "GATE_IN", start, plate="B 9999 ZZZ")
    first = await _record(operator, token, "GATE_IN", start)
    reused = await _record(operator, token, "GATE_IN", start)

    assert [e["code"] for e in forged["userErrors"]] == ["TOKEN_INVALID"]
    assert [e["code"] for e in wrong_truck["userErrors"]] == ["TRUCK_MISMATCH"]
    assert first["userErrors"] == []
    assert [e["code"] for e in reused["userErrors"]] == ["TOKEN_USED"]


async def test_outside_the_slot_and_grace_the_gate_refuses(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    start = await slot_opened(database, timedelta(hours=3))
    operator = await factory.operator()

    early = await _record(operator, token, "GATE_IN", start - timedelta(minutes=31))
    missed = await _record(operator, token, "GATE_IN", start + timedelta(minutes=151))

    assert [e["code"] for e in early["userErrors"]] == ["TOO_EARLY"]
    assert [e["code"] for e in missed["userErrors"]] == ["SLOT_MISSED"]


async def test_customers_cannot_record_gate_events(ready: Ready) -> None:
    token = await _issue(ready)

    body = await ready.owner.client.raw(
        RECORD,
        {
            "input": {
                "token": token,
                "kind": "GATE_IN",
                "truckPlate": PLATE,
                "at": ready.slot_start.isoformat(),
            }
        },
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_terminal_delivery_is_priced_from_the_tariff(
    database: Database, factory: Factory
) -> None:
    # Ordered before the invoice, which bills it (after it, it is refused).
    await seed_tariffs(database)
    owner = await factory.member()
    discharged = datetime.now(UTC) - timedelta(days=2)
    seeded = await shipment(
        database,
        owner.organisation_id,
        [Box(BOX, "22G1", discharged, customs_released_at=discharged)],
    )
    window = datetime.now(UTC) + timedelta(days=1)
    request = """mutation($input: RequestDeliveryInput!) {
          requestDelivery(input: $input) {
            delivery { price { amount } containerCount zone status }
            userErrors { field code }
          }
        }"""
    order = {
        "shipmentId": seeded.global_id,
        "address": "Jl. Industri 1, Cikarang",
        "windowFrom": window.isoformat(),
        "windowTo": (window + timedelta(hours=4)).isoformat(),
    }

    # The customer names its boxes by number, as it knows them.
    unknown = await owner.client.data(
        request, {"input": {**order, "containerNumbers": ["MSCU1234565"]}}
    )
    data = await owner.client.data(
        request, {"input": {**order, "containerNumbers": [BOX.lower()]}}
    )

    assert unknown["requestDelivery"]["userErrors"] == [
        {"field": ["input", "containerNumbers"], "code": "NOT_FOUND"}
    ]
    payload = data["requestDelivery"]
    assert payload["userErrors"] == []
    # the capped demo version is in force now; its 20' delivery rate is 1,500,000
    assert payload["delivery"]["price"]["amount"] == "1500000"
    assert payload["delivery"]["containerCount"] == 1
