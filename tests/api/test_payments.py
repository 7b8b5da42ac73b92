"""Payments through the API and the simulated Praya over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from starlette.applications import Starlette
from strawberry import relay

from domain.invoicing import ProformaContainer, estimate_initial_payment
from domain.models.payments import Payment, PaymentStatus
from domain.seed_tariffs import PRIOK_VERSIONS
from domain.tariff import TariffBook, is_reefer, size_class_of
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from integrations.finance.webhooks import signed_headers
from tests.conftest import PRAYA_WEBHOOK_SECRET
from tests.support.factories import Member
from tests.support.pre_service import JAKARTA, Filed, shipment, verified

START = """
mutation($id: ID!, $key: String!, $amount: Decimal) {
  startPayment(input: {shipmentId: $id, clientKey: $key, expectedAmount: $amount}) {
    payment {
      id status purpose clientKey virtualAccount expiresAt paidAt
      amount { amount currency }
    }
    userErrors { field code message }
  }
}"""


def estimate(filed: Filed) -> str:
    """The initial payment the tariff in force gives for the sample's boxes."""
    truth = filed.sample.truth
    eta = datetime.fromisoformat(truth["eta"]).replace(hour=8, tzinfo=JAKARTA)
    book = TariffBook.in_force(PRIOK_VERSIONS, datetime.now(UTC))
    boxes = [
        ProformaContainer(
            c["number"], size_class_of(c["size_type"]), is_reefer(c["size_type"])
        )
        for c in truth["containers"]
    ]
    return str(estimate_initial_payment(book, boxes, eta).total.amount)


async def start(
    member: Member, filed: Filed, key: str, amount: str | None = None
) -> dict[str, Any]:
    data = await member.client.data(
        START, {"id": filed.id, "key": key, "amount": amount}
    )
    payload: dict[str, Any] = data["startPayment"]
    return payload


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(10):
        while not await check():
            await asyncio.sleep(0.05)


async def pay(praya: httpx.AsyncClient, app: Starlette, payment_id: str) -> str:
    """Pay the payment's bill at the simulator, as the customer's bank would."""
    bill_id = await _bill_id(app, payment_id)
    response = await praya.post(f"/_control/bills/{bill_id}/pay")
    assert response.status_code == 200, response.text
    return bill_id


async def _bill_id(app: Starlette, payment_id: str) -> str:
    import base64
    import uuid

    from domain.models.payments import Payment

    key = uuid.UUID(base64.b64decode(payment_id).decode().split(":", 1)[1])
    database: Database = app.state.runtime.require().database
    async with database.engine.connect() as connection:
        row = await connection.execute(
            Payment.__table__.select().where(Payment.__table__.c.id == key)
        )
        bill_id: str = row.one().bill_id
    return bill_id


async def test_starting_a_payment_bills_a_virtual_account_once_per_key(
    database: Database, owner: Member, operator: Member
) -> None:
    filed = await verified(database, owner, operator)
    amount = estimate(filed)

    first = await start(owner, filed, "key-1", amount)
    again = await start(owner, filed, "key-1")
    conflict = await start(owner, filed, "key-1", "1.00")
    another_key = await start(owner, filed, "key-2")

    payment = first["payment"]
    assert first["userErrors"] == []
    assert payment["status"] == "PENDING"
    assert payment["amount"] == {"amount": f"{amount}.00", "currency": "IDR"}
    assert payment["virtualAccount"].isdigit()
    assert again == first
    assert [e["code"] for e in conflict["userErrors"]] == ["IDEMPOTENCY_CONFLICT"]
    assert [e["code"] for e in another_key["userErrors"]] == ["PAYMENT_ALREADY_STARTED"]
    seen = await shipment(owner.client, filed.id)
    assert seen["status"] == "AWAITING_PAYMENT"
    assert [p["id"] for p in seen["payments"]] == [payment["id"]]


async def test_a_draft_or_a_stranger_cannot_pay(
    database: Database, owner: Member, outsider: Member, operator: Member
) -> None:
    filed = await verified(database, owner, operator)

    foreign = await start(outsider, filed, "key-1")
    stale_amount = await start(owner, filed, "key-1", "1.00")

    assert [e["code"] for e in foreign["userErrors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in stale_amount["userErrors"]] == ["AMOUNT_CHANGED"]
    assert (await shipment(owner.client, filed.id))["payments"] == []


async def test_finance_down_is_a_clear_error_and_a_retry_with_the_key_succeeds(
    database: Database, owner: Member, operator: Member, praya: httpx.AsyncClient
) -> None:
    filed = await verified(database, owner, operator)
    await praya.post("/_control/config", json={"outage": True})

    down = await start(owner, filed, "key-1")
    during = await shipment(owner.client, filed.id)
    await praya.post("/_control/config", json={"outage": False})
    retried = await start(owner, filed, "key-1")

    assert down["payment"] is None
    assert [e["code"] for e in down["userErrors"]] == ["FINANCE_UNAVAILABLE"]
    assert during["status"] == "VERIFIED"
    (kept,) = during["payments"]
    assert (kept["status"], kept["virtualAccount"]) == ("PENDING_CREATE", None)
    assert retried["userErrors"] == []
    assert retried["payment"]["id"] == kept["id"]
    assert retried["payment"]["status"] == "PENDING"
    assert (await shipment(owner.client, filed.id))["status"] == "AWAITING_PAYMENT"


async def test_a_payment_is_confirmed_once_despite_duplicate_callbacks(
    database: Database,
    owner: Member,
    operator: Member,
    praya: httpx.AsyncClient,
    live_server: str,
    app: Starlette,
) -> None:
    filed = await verified(database, owner, operator)
    payment = (await start(owner, filed, "key-1"))["payment"]
    await praya.post(
        "/_control/config",
        json={
            "callback_url": f"{live_server}/webhooks/praya",
            "duplicate_callbacks": 3,
        },
    )

    await pay(praya, app, payment["id"])

    async def delivered() -> bool:
        stats = (await praya.get("/_control/stats")).json()
        return bool(stats["callbacks_delivered"] == 4)

    await eventually(delivered)
    seen = await shipment(owner.client, filed.id)
    assert seen["status"] == "IN_SERVICE"
    assert seen["payments"][0]["status"] == "PAID"
    moves = [t["toStatus"] for t in seen["timeline"]]
    assert moves.count("IN_SERVICE") == 1


async def test_a_forged_or_stale_callback_is_refused(
    database: Database,
    owner: Member,
    operator: Member,
    http: httpx.AsyncClient,
    app: Starlette,
) -> None:
    filed = await verified(database, owner, operator)
    payment = (await start(owner, filed, "key-1"))["payment"]
    body = json.dumps(
        {
            "event": "bill.paid",
            "event_id": "evt_forged",
            "bill_id": await _bill_id(app, payment["id"]),
            "amount": payment["amount"]["amount"],
            "currency": "IDR",
            "paid_at": datetime.now(UTC).isoformat(),
        }
    ).encode()
    now = datetime.now(UTC)

    forged = await http.post(
        "/webhooks/praya",
        content=body,
        headers=signed_headers(b"not-the-shared-secret", body, now),
    )
    stale = await http.post(
        "/webhooks/praya",
        content=body,
        headers=signed_headers(
            PRAYA_WEBHOOK_SECRET.encode(), body, now - timedelta(hours=1)
        ),
    )

    assert (forged.status_code, forged.json()) == (
        401,
        {"outcome": "WEBHOOK_SIGNATURE_INVALID"},
    )
    assert (stale.status_code, stale.json()) == (400, {"outcome": "WEBHOOK_STALE"})
    seen = await shipment(owner.client, filed.id)
    assert (seen["status"], seen["payments"][0]["status"]) == (
        "AWAITING_PAYMENT",
        "PENDING",
    )


async def test_a_lost_callback_is_confirmed_by_reconciliation(
    database: Database,
    owner: Member,
    operator: Member,
    praya: httpx.AsyncClient,
    app: Starlette,
) -> None:
    filed = await verified(database, owner, operator)
    payment = (await start(owner, filed, "key-1"))["payment"]
    await praya.post("/_control/config", json={"drop_callbacks": True})
    await pay(praya, app, payment["id"])
    reconciler = app.state.runtime.extras["pre_service"].reconciler

    first = await reconciler.run_once()
    second = await reconciler.run_once()

    assert (first.checked, first.confirmed) == (1, 1)
    assert second.checked == 0
    seen = await shipment(owner.client, filed.id)
    assert seen["status"] == "IN_SERVICE"
    assert seen["payments"][0]["status"] == "PAID"
    assert seen["payments"][0]["paidAt"] is not None


async def test_a_bill_the_finance_system_gave_another_payment_records_nothing(
    database: Database, owner: Member, operator: Member
) -> None:
    filed = await verified(database, owner, operator)
    billed = (await start(owner, filed, "key-a"))["payment"]
    # As if Praya, restarted, had handed this bill to an earlier payment: a
    # lapsed one of the request now holds it, and this one awaits its bill.
    key = _key(billed["id"])
    async with database.transaction(SYSTEM) as session:
        row = await session.get_one(Payment, key)
        session.add(
            Payment(
                organisation_id=row.organisation_id,
                shipment_id=row.shipment_id,
                purpose=row.purpose,
                client_key="an-earlier-key",
                amount=row.amount,
                currency=row.currency,
                status=PaymentStatus.EXPIRED,
                bill_id=row.bill_id,
            )
        )
        row.bill_id = None
        row.status = PaymentStatus.PENDING_CREATE

    retried = await start(owner, filed, "key-a")

    assert retried["payment"] is None
    assert [(e["field"], e["code"]) for e in retried["userErrors"]] == [
        (["input", "clientKey"], "BILL_CONFLICT")
    ]
    async with database.transaction(SYSTEM) as session:
        status = await session.scalar(select(Payment.status).where(Payment.id == key))
    assert status is PaymentStatus.PENDING_CREATE


def _key(payment_gid: str) -> uuid.UUID:
    return uuid.UUID(relay.GlobalID.from_id(payment_gid).node_id)
