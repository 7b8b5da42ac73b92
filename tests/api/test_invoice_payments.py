"""Paying an issued invoice's balance through the API and the simulated Praya."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from starlette.applications import Starlette

from domain.models.payments import PaymentPurpose
from domain.unit_of_work import Database
from tests.support.factories import Member
from tests.support.post_service import (
    Box,
    Seeded,
    booking,
    delivery_order,
    payment,
    seed_tariffs,
    shipment,
)

BOX = "CSQU3054383"
START = """
mutation($id: ID!, $key: String!) {
  startPayment(input: {shipmentId: $id, clientKey: $key, purpose: INVOICE}) {
    payment { id purpose status virtualAccount amount { amount currency } }
    userErrors { field code message }
  }
}"""
FINALIZE = """
mutation($id: ID!) {
  finalizeInvoice(input: {shipmentId: $id}) {
    invoice { status balanceDue { amount currency } }
    userErrors { code }
  }
}"""
EXTEND = """
mutation($id: ID!) {
  extendStorage(input: {shipmentId: $id}) {
    invoice { balanceDue { amount } } userErrors { code }
  }
}"""
INVOICES = """
query($id: ID!) {
  invoices(filter: {shipmentId: $id}) { edges { node { status } } }
}"""
STATE = """
query($id: ID!) {
  node(id: $id) {
    ... on Shipment { status invoice { status paidAt } latestPayment { status } }
  }
}"""


async def start(owner: Member, seeded: Seeded, key: str) -> dict[str, Any]:
    data = await owner.client.data(START, {"id": seeded.global_id, "key": key})
    payload: dict[str, Any] = data["startPayment"]
    return payload


async def served(database: Database, owner: Member) -> Seeded:
    """A box in the yard five days, released, its DO on file, a small initial paid."""
    await seed_tariffs(database)
    discharged = datetime.now(UTC) - timedelta(days=5)
    seeded = await shipment(
        database,
        owner.organisation_id,
        [Box(BOX, "22G1", discharged, customs_released_at=discharged)],
    )
    await delivery_order(database, seeded)
    await payment(database, seeded, "100000", PaymentPurpose.INITIAL)
    return seeded


async def test_the_balance_is_billed_and_its_payment_settles_the_invoice(
    database: Database, owner: Member, praya: httpx.AsyncClient, app: Starlette
) -> None:
    seeded = await served(database, owner)
    before = await start(owner, seeded, "early")
    finalized = await owner.client.mutate(FINALIZE, {"id": seeded.global_id})
    balance = finalized["invoice"]["balanceDue"]
    # The bank pays at once; the paid notice is read back by reconciliation.
    await praya.post(
        "/_control/config", json={"drop_callbacks": True, "auto_pay_after_s": 0.05}
    )

    started = await start(owner, seeded, "balance-1")
    again = await start(owner, seeded, "balance-1")

    assert [e["code"] for e in before["userErrors"]] == ["INVOICE_NOT_AVAILABLE"]
    assert started["userErrors"] == []
    assert started["payment"]["purpose"] == "INVOICE"
    assert started["payment"]["status"] == "PENDING"
    amount = started["payment"]["amount"]
    assert Decimal(amount["amount"]) == Decimal(balance["amount"]) > 0
    assert amount["currency"] == balance["currency"]
    assert again["payment"]["id"] == started["payment"]["id"]
    reconciler = app.state.runtime.extras["pre_service"].reconciler
    async with asyncio.timeout(10):
        while not (await reconciler.run_once()).confirmed:
            await asyncio.sleep(0.05)
    state = (await owner.client.data(STATE, {"id": seeded.global_id}))["node"]
    assert state["invoice"]["status"] == "PAID"
    assert state["invoice"]["paidAt"] is not None
    assert state["latestPayment"] == {"status": "PAID"}
    assert state["status"] == "READY_FOR_PICKUP"
    settled = await start(owner, seeded, "balance-2")
    assert [e["code"] for e in settled["userErrors"]] == ["NOTHING_DUE"]


async def test_a_second_live_balance_payment_is_refused(
    database: Database, owner: Member
) -> None:
    seeded = await served(database, owner)
    await owner.client.mutate(FINALIZE, {"id": seeded.global_id})

    first = await start(owner, seeded, "balance-1")
    second = await start(owner, seeded, "balance-2")

    assert first["userErrors"] == []
    assert [e["code"] for e in second["userErrors"]] == ["PAYMENT_ALREADY_STARTED"]


async def test_a_storage_extension_is_paid_through_praya_like_the_balance(
    database: Database, owner: Member, praya: httpx.AsyncClient, app: Starlette
) -> None:
    seeded = await served(database, owner)
    await owner.client.mutate(FINALIZE, {"id": seeded.global_id})
    await praya.post(
        "/_control/config", json={"drop_callbacks": True, "auto_pay_after_s": 0.05}
    )
    reconciler = app.state.runtime.extras["pre_service"].reconciler
    await start(owner, seeded, "balance")
    await _confirmed(reconciler)
    # The truck comes in three days: the days after today are not paid yet.
    await booking(database, seeded, BOX, datetime.now(UTC) + timedelta(days=3))

    extension = await owner.client.mutate(EXTEND, {"id": seeded.global_id})
    started = await start(owner, seeded, "extension")
    await _confirmed(reconciler)
    settled = await start(owner, seeded, "after")

    owed = extension["invoice"]["balanceDue"]["amount"]
    assert started["userErrors"] == []
    assert Decimal(started["payment"]["amount"]["amount"]) == Decimal(owed) > 0
    data = await owner.client.data(INVOICES, {"id": seeded.global_id})
    statuses = [e["node"]["status"] for e in data["invoices"]["edges"]]
    assert statuses == ["PAID", "PAID"]
    assert [e["code"] for e in settled["userErrors"]] == ["NOTHING_DUE"]


async def _confirmed(reconciler: Any) -> None:
    async with asyncio.timeout(10):
        while not (await reconciler.run_once()).confirmed:
            await asyncio.sleep(0.05)
