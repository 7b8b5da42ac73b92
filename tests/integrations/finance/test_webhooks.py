"""Signing and verifying Praya's payment callbacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from domain.ports.finance import WebhookRejectedError, sign_webhook, verify_webhook
from integrations.finance.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    read_callback,
    signed_headers,
)
from tests.integrations.finance.fakes import SECRET, FakeCallbackReceiver

SENT_AT = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
EVENT = {
    "event": "bill.paid",
    "event_id": "evt_0001",
    "bill_id": "bill_0001",
    "amount": "713750.00",
    "currency": "IDR",
    "paid_at": "2025-03-03T09:29:58+00:00",
}
BODY = json.dumps(EVENT).encode()


def rejection(body: bytes, headers: dict[str, str], now: datetime) -> str:
    with pytest.raises(WebhookRejectedError) as caught:
        read_callback(SECRET, body, headers, now)
    return caught.value.code


def test_a_signed_callback_reads_as_a_paid_event() -> None:
    headers = signed_headers(SECRET, BODY, SENT_AT)

    event = read_callback(SECRET, BODY, headers, SENT_AT + timedelta(seconds=2))

    assert event.bill_id == "bill_0001"
    assert event.event_id == "evt_0001"
    assert event.amount == Decimal("713750.00")
    assert event.paid_at == datetime(2025, 3, 3, 9, 29, 58, tzinfo=UTC)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    # Known-answer vector computed independently with `openssl dgst -sha256 -hmac`.
    signature = sign_webhook(b"key", b'{"a":1}', 1700000000)

    assert signature == (
        "a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
    )


def test_a_signature_made_with_another_secret_is_refused() -> None:
    headers = signed_headers(b"forged-secret", BODY, SENT_AT)

    assert rejection(BODY, headers, SENT_AT) == "WEBHOOK_SIGNATURE_INVALID"


def test_a_tampered_body_is_refused() -> None:
    headers = signed_headers(SECRET, BODY, SENT_AT)
    tampered = BODY.replace(b"713750.00", b"1.00")

    assert rejection(tampered, headers, SENT_AT) == "WEBHOOK_SIGNATURE_INVALID"


@pytest.mark.parametrize("offset_s", [301, -301, 86_400])
def test_a_timestamp_outside_five_minutes_is_stale(offset_s: int) -> None:
    headers = signed_headers(SECRET, BODY, SENT_AT)
    now = SENT_AT + timedelta(seconds=offset_s)

    assert rejection(BODY, headers, now) == "WEBHOOK_STALE"


def test_a_timestamp_at_the_edge_of_the_window_is_accepted() -> None:
    headers = signed_headers(SECRET, BODY, SENT_AT)

    event = read_callback(SECRET, BODY, headers, SENT_AT + timedelta(seconds=300))

    assert event.bill_id == "bill_0001"


def test_a_restamped_replay_is_refused() -> None:
    headers = signed_headers(SECRET, BODY, SENT_AT)
    later = SENT_AT + timedelta(hours=1)
    headers[TIMESTAMP_HEADER] = str(int(later.timestamp()))

    assert rejection(BODY, headers, later) == "WEBHOOK_SIGNATURE_INVALID"


def test_an_unsigned_callback_is_refused() -> None:
    headers = signed_headers(SECRET, BODY, SENT_AT)
    del headers[SIGNATURE_HEADER]

    assert rejection(BODY, headers, SENT_AT) == "WEBHOOK_SIGNATURE_MISSING"


def test_a_timestamp_that_is_not_unix_seconds_is_malformed() -> None:
    headers = signed_headers(SECRET, BODY, SENT_AT)
    headers[TIMESTAMP_HEADER] = SENT_AT.isoformat()

    assert rejection(BODY, headers, SENT_AT) == "WEBHOOK_MALFORMED"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "WEBHOOK_MALFORMED"),
        (json.dumps({**EVENT, "amount": 713750.0}).encode(), "WEBHOOK_MALFORMED"),
        (
            json.dumps({**EVENT, "paid_at": "2025-03-03T09:29:58"}).encode(),
            "WEBHOOK_MALFORMED",
        ),
        (
            json.dumps({**EVENT, "event": "bill.expired"}).encode(),
            "WEBHOOK_UNSUPPORTED_EVENT",
        ),
    ],
)
def test_a_signed_body_that_is_not_a_paid_event_is_refused(
    body: bytes, code: str
) -> None:
    headers = signed_headers(SECRET, body, SENT_AT)

    assert rejection(body, headers, SENT_AT) == code


def test_verification_needs_an_aware_now() -> None:
    headers = signed_headers(SECRET, BODY, SENT_AT)

    with pytest.raises(ValueError, match="timezone-aware"):
        verify_webhook(
            SECRET,
            BODY,
            headers[SIGNATURE_HEADER],
            headers[TIMESTAMP_HEADER],
            SENT_AT.replace(tzinfo=None),
        )


async def test_the_receiver_refuses_a_forged_delivery_over_http(
    receiver: FakeCallbackReceiver,
) -> None:
    now = datetime.now(UTC)
    forged = signed_headers(b"forged-secret", BODY, now)
    stale = signed_headers(SECRET, BODY, now - timedelta(minutes=10))

    async with httpx.AsyncClient() as http:
        first = await http.post(receiver.url, content=BODY, headers=forged)
        second = await http.post(receiver.url, content=BODY, headers=stale)

    assert (first.status_code, second.status_code) == (400, 400)
    assert receiver.rejected == ["WEBHOOK_SIGNATURE_INVALID", "WEBHOOK_STALE"]
    assert receiver.events == []
