"""Praya's payment callbacks on the wire: header names and how a delivery is signed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from domain.ports.finance import (
    DEFAULT_TOLERANCE_S,
    BillPaid,
    WebhookRejectedError,
    sign_webhook,
    verify_webhook,
)

SIGNATURE_HEADER = "X-Praya-Signature"
TIMESTAMP_HEADER = "X-Praya-Timestamp"


def signed_headers(secret: bytes, body: bytes, now: datetime) -> dict[str, str]:
    """Headers that sign `body` as delivered at `now` (an aware datetime)."""
    timestamp = int(now.timestamp())
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign_webhook(secret, body, timestamp),
        TIMESTAMP_HEADER: str(timestamp),
    }


def read_callback(
    secret: bytes,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> BillPaid:
    """Verify a received callback from its raw body and headers; see verify_webhook."""
    signature = headers.get(SIGNATURE_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    if signature is None or timestamp is None:
        raise WebhookRejectedError(
            "callback is not signed", code="WEBHOOK_SIGNATURE_MISSING"
        )
    return verify_webhook(secret, body, signature, timestamp, now, tolerance_s)
