"""The simulated Praya's callbacks, switches and bill lifecycle, over loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from integrations.finance.simulator import (
    FinanceSimulatorSettings,
    create_finance_simulator,
)
from integrations.serving import serve_app
from tests.integrations.finance.fakes import (
    API_KEY,
    FakeCallbackReceiver,
    configure,
    stats,
    wait_until,
)

BILL = {
    "shipment_ref": "SHP-2025-0002",
    "customer_name": "PT Samudra Niaga",
    "amount": "428250.00",
    "currency": "IDR",
    "description": "Initial payment: LOLO 40'",
}
QUIET_S = 0.3  # long enough for a stray callback on loopback to arrive


async def create(
    http: httpx.AsyncClient, key: str = "key-1", **changes: Any
) -> httpx.Response:
    return await http.post(
        "/v1/bills",
        json={**BILL, **changes},
        headers={"X-Api-Key": API_KEY, "Idempotency-Key": key},
    )


async def create_bill_id(http: httpx.AsyncClient) -> str:
    response = await create(http)
    assert response.status_code == 201, response.text
    bill_id: str = response.json()["bill_id"]
    return bill_id


async def test_replaying_a_key_returns_the_first_bill(
    control: httpx.AsyncClient,
) -> None:
    first = await create(control)
    again = await create(control)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


async def test_reusing_a_key_for_another_amount_conflicts(
    control: httpx.AsyncClient,
) -> None:
    await create(control)

    conflict = await create(control, amount="428250.01")

    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_a_bill_needs_an_idempotency_key(control: httpx.AsyncClient) -> None:
    response = await control.post(
        "/v1/bills", json=BILL, headers={"X-Api-Key": API_KEY}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "IDEMPOTENCY_KEY_MISSING"


async def test_paying_delivers_one_signed_callback(
    control: httpx.AsyncClient, receiver: FakeCallbackReceiver
) -> None:
    bill_id = await create_bill_id(control)

    paid = await control.post(f"/_control/bills/{bill_id}/pay")
    await wait_until(lambda: len(receiver.events) == 1)

    event = receiver.events[0]
    assert paid.json()["status"] == "PAID"
    assert event.bill_id == bill_id
    assert event.amount == Decimal("428250.00")
    assert event.currency == "IDR"
    assert event.paid_at.isoformat() == paid.json()["paid_at"]
    assert receiver.rejected == []
    assert (await stats(control))["callbacks_delivered"] == 1


async def test_paying_twice_sends_no_second_callback(
    control: httpx.AsyncClient, receiver: FakeCallbackReceiver
) -> None:
    bill_id = await create_bill_id(control)
    await control.post(f"/_control/bills/{bill_id}/pay")
    await wait_until(lambda: len(receiver.events) == 1)

    again = await control.post(f"/_control/bills/{bill_id}/pay")
    await asyncio.sleep(QUIET_S)

    assert again.status_code == 200
    assert len(receiver.events) == 1


async def test_duplicate_callbacks_arrive_three_times_as_one_event(
    control: httpx.AsyncClient, receiver: FakeCallbackReceiver
) -> None:
    await configure(control, duplicate_callbacks=2)
    bill_id = await create_bill_id(control)

    await control.post(f"/_control/bills/{bill_id}/pay")
    await wait_until(lambda: len(receiver.events) == 3)
    await asyncio.sleep(QUIET_S)

    assert len(receiver.events) == 3
    assert {event.bill_id for event in receiver.events} == {bill_id}
    assert len({event.event_id for event in receiver.events}) == 1
    assert (await stats(control))["callbacks_delivered"] == 3


async def test_a_dropped_callback_never_arrives_but_the_bill_is_paid(
    control: httpx.AsyncClient, receiver: FakeCallbackReceiver
) -> None:
    await configure(control, drop_callbacks=True)
    bill_id = await create_bill_id(control)

    await control.post(f"/_control/bills/{bill_id}/pay")
    await asyncio.sleep(QUIET_S)

    assert receiver.attempts == 0
    assert (await stats(control))["callbacks_dropped"] == 1
    read = await control.get(f"/v1/bills/{bill_id}", headers={"X-Api-Key": API_KEY})
    assert read.json()["status"] == "PAID"


async def test_a_refused_callback_is_delivered_again(
    control: httpx.AsyncClient, receiver: FakeCallbackReceiver
) -> None:
    receiver.fail_next = 1
    bill_id = await create_bill_id(control)

    await control.post(f"/_control/bills/{bill_id}/pay")
    await wait_until(lambda: len(receiver.events) == 1)

    assert receiver.attempts == 2
    assert (await stats(control))["callbacks_failed"] == 0


async def test_auto_pay_pays_and_calls_back_after_the_delay(
    control: httpx.AsyncClient, receiver: FakeCallbackReceiver
) -> None:
    await configure(control, auto_pay_after_s=0.1)

    bill_id = await create_bill_id(control)
    pending = await control.get(f"/v1/bills/{bill_id}", headers={"X-Api-Key": API_KEY})
    await wait_until(lambda: len(receiver.events) == 1)

    assert pending.json()["status"] == "PENDING"
    assert receiver.events[0].bill_id == bill_id


@pytest.mark.parametrize(
    "switches",
    [{"error_rate": 1.5}, {"latency_ms": -1}, {"outage": "yes"}, {"blackout": True}],
)
async def test_bad_switches_are_refused(
    control: httpx.AsyncClient, switches: dict[str, Any]
) -> None:
    response = await control.post("/_control/config", json=switches)

    assert response.status_code == 422
    assert (await control.get("/_control/config")).json()["error_rate"] == 0.0


async def test_an_outage_spares_the_control_api(control: httpx.AsyncClient) -> None:
    await configure(control, outage=True)

    bills = await create(control)
    config = await control.get("/_control/config")

    assert bills.status_code == 503
    assert config.status_code == 200
    assert config.json()["outage"] is True


class FakeDateClock:
    """Wall-clock time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def frozen_praya(
    settings: FinanceSimulatorSettings,
) -> AsyncIterator[tuple[httpx.AsyncClient, FakeDateClock]]:
    clock = FakeDateClock()
    app = create_finance_simulator(
        replace(settings, bill_ttl=timedelta(hours=2)), clock=clock
    )
    async with serve_app(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        yield http, clock


async def test_an_unpaid_bill_expires_and_can_no_longer_be_paid(
    frozen_praya: tuple[httpx.AsyncClient, FakeDateClock],
) -> None:
    http, clock = frozen_praya
    created = await create(http)
    bill_id = created.json()["bill_id"]
    assert created.json()["expires_at"] == "2025-03-03T10:00:00+00:00"

    clock.now += timedelta(hours=2)
    read = await http.get(f"/v1/bills/{bill_id}", headers={"X-Api-Key": API_KEY})
    pay = await http.post(f"/_control/bills/{bill_id}/pay")

    assert read.json()["status"] == "EXPIRED"
    assert pay.status_code == 409
    assert pay.json()["error"]["code"] == "BILL_NOT_PAYABLE"
