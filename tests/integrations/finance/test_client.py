"""PrayaClient against the simulated Praya over loopback HTTP."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from domain.ports.finance import Bill, BillStatus
from integrations.errors import (
    CircuitOpenError,
    PermanentIntegrationError,
    TransientIntegrationError,
)
from integrations.finance.client import PrayaClient
from integrations.finance.simulator import utc_now
from tests.integrations.finance.fakes import VA_PREFIX, FakeClock, configure
from tests.integrations.finance.fakes import stats as read_stats

AMOUNT = Decimal("713750.00")


async def create(praya: PrayaClient, key: str, amount: Decimal = AMOUNT) -> Bill:
    return await praya.create_bill(
        idempotency_key=key,
        shipment_ref="SHP-2025-0001",
        customer_name="PT Samudra Niaga",
        amount=amount,
        currency="IDR",
        description="Initial payment: LOLO 20' + 40'",
    )


async def test_create_bill_issues_a_pending_bill_on_a_virtual_account(
    praya: PrayaClient,
) -> None:
    before = utc_now()

    bill = await create(praya, "key-1")

    assert bill.status is BillStatus.PENDING
    assert bill.amount == AMOUNT
    assert bill.currency == "IDR"
    assert bill.paid_at is None
    assert len(bill.virtual_account) == 16
    assert bill.virtual_account.isdigit()
    assert bill.virtual_account.startswith(VA_PREFIX)
    assert bill.expires_at.tzinfo is not None
    expected_expiry = before + timedelta(hours=24)
    assert abs(bill.expires_at - expected_expiry) < timedelta(seconds=5)


async def test_create_bill_is_idempotent_on_its_key(
    praya: PrayaClient, control: httpx.AsyncClient
) -> None:
    first = await create(praya, "key-1")
    again = await create(praya, "key-1")
    other = await create(praya, "key-2")

    assert again == first
    assert other.bill_id != first.bill_id
    assert other.virtual_account != first.virtual_account
    assert (await read_stats(control))["api_requests"] == 3


async def test_reusing_a_key_for_another_amount_is_a_permanent_conflict(
    praya: PrayaClient, control: httpx.AsyncClient
) -> None:
    await create(praya, "key-1")

    with pytest.raises(PermanentIntegrationError) as caught:
        await create(praya, "key-1", amount=AMOUNT + 1)

    assert caught.value.status_code == 409
    assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)
    assert (await read_stats(control))["api_requests"] == 2, "4xx is not retried"


async def test_get_bill_reads_the_paid_status(
    praya: PrayaClient, control: httpx.AsyncClient
) -> None:
    bill = await create(praya, "key-1")
    paid = await control.post(f"/_control/bills/{bill.bill_id}/pay")
    assert paid.status_code == 200

    read = await praya.get_bill(bill.bill_id)

    assert read.status is BillStatus.PAID
    assert read.paid_at is not None
    assert read.paid_at.isoformat() == paid.json()["paid_at"]
    assert read.virtual_account == bill.virtual_account


async def test_an_unknown_bill_is_a_permanent_not_found(praya: PrayaClient) -> None:
    with pytest.raises(PermanentIntegrationError) as caught:
        await praya.get_bill("bill_does_not_exist")

    assert caught.value.status_code == 404
    assert caught.value.operation == "get_bill"


async def test_a_wrong_api_key_is_permanent(praya_http: httpx.AsyncClient) -> None:
    intruder = PrayaClient(praya_http, "not-the-key", attempts=3)

    with pytest.raises(PermanentIntegrationError) as caught:
        await create(intruder, "key-1")

    assert caught.value.status_code == 401


async def test_an_invalid_amount_is_refused(praya: PrayaClient) -> None:
    with pytest.raises(PermanentIntegrationError) as caught:
        await create(praya, "key-1", amount=Decimal("-5"))

    assert caught.value.status_code == 422
    assert "amount" in caught.value.message


@pytest.mark.parametrize("switch", [{"outage": True}, {"error_rate": 1.0}])
async def test_an_unavailable_gateway_is_transient_after_retries(
    praya: PrayaClient, control: httpx.AsyncClient, switch: dict[str, object]
) -> None:
    await configure(control, **switch)

    with pytest.raises(TransientIntegrationError) as caught:
        await create(praya, "key-1")

    assert not isinstance(caught.value, CircuitOpenError)
    assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)
    assert caught.value.__cause__.response.status_code == 503
    assert (await read_stats(control))["api_requests"] == 3


async def test_the_circuit_opens_on_an_outage_and_recovers_after_cool_down(
    praya: PrayaClient, control: httpx.AsyncClient, breaker_clock: FakeClock
) -> None:
    await configure(control, outage=True)
    with pytest.raises(TransientIntegrationError):
        await create(praya, "key-1")
    assert praya.breaker.is_open

    with pytest.raises(CircuitOpenError):
        await create(praya, "key-1")
    assert (await read_stats(control))["api_requests"] == 3, "open circuit: no call"

    await configure(control, outage=False)
    breaker_clock.advance(29.0)
    with pytest.raises(CircuitOpenError):
        await create(praya, "key-1")

    breaker_clock.advance(1.5)
    bill = await create(praya, "key-1")

    assert bill.status is BillStatus.PENDING
    assert not praya.breaker.is_open
    assert (await read_stats(control))["api_requests"] == 4


async def test_a_failed_trial_call_opens_the_circuit_again(
    praya: PrayaClient, control: httpx.AsyncClient, breaker_clock: FakeClock
) -> None:
    await configure(control, outage=True)
    with pytest.raises(TransientIntegrationError):
        await create(praya, "key-1")
    breaker_clock.advance(31.0)

    with pytest.raises(TransientIntegrationError) as caught:
        await create(praya, "key-1")

    assert not isinstance(caught.value, CircuitOpenError), "the trial reached Praya"
    assert praya.breaker.is_open
    assert (await read_stats(control))["api_requests"] == 4, "one trial, no retries"


async def test_latency_within_the_timeout_only_slows_the_call(
    praya: PrayaClient, control: httpx.AsyncClient
) -> None:
    await configure(control, latency_ms=150)
    started = time.perf_counter()

    bill = await create(praya, "key-1")

    elapsed = time.perf_counter() - started
    assert bill.status is BillStatus.PENDING
    assert elapsed >= 0.15


async def test_latency_beyond_the_timeout_is_transient(
    praya: PrayaClient, control: httpx.AsyncClient
) -> None:
    await configure(control, latency_ms=1000)

    with pytest.raises(TransientIntegrationError) as caught:
        await praya.get_bill("bill_any")

    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert (await read_stats(control))["api_requests"] == 3
