"""The finance system (Praya) as the domain sees it: bills, and signed paid events."""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from domain.errors import DomainError

DEFAULT_TOLERANCE_S = 300
PAID_EVENT = "bill.paid"


class BillStatus(enum.StrEnum):
    """Where a bill stands at the finance system."""

    PENDING = "PENDING"
    PAID = "PAID"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class Bill:
    """A bill issued by Praya, payable by bank transfer to its own virtual account.

    A virtual account (VA) is a bank account number issued for one bill only, so
    a transfer to it identifies the bill. Times are timezone-aware.
    """

    bill_id: str
    virtual_account: str
    amount: Decimal
    currency: str
    status: BillStatus
    expires_at: datetime
    paid_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BillPaid:
    """Praya confirmed that a bill was paid; `event_id` is the same on redeliveries."""

    event_id: str
    bill_id: str
    amount: Decimal
    currency: str
    paid_at: datetime


class FinanceSystem(Protocol):
    """The finance and billing system that issues bills and confirms payments."""

    async def create_bill(
        self,
        idempotency_key: str,
        shipment_ref: str,
        customer_name: str,
        amount: Decimal,
        currency: str,
        description: str,
    ) -> Bill:
        """Issue a bill; the same key yields the same bill, never a second one."""
        ...

    async def get_bill(self, bill_id: str) -> Bill:
        """Read a bill's current status."""
        ...


class WebhookRejectedError(DomainError):
    """A payment callback that cannot be trusted or read; it must change nothing."""

    code = "WEBHOOK_REJECTED"


def sign_webhook(secret: bytes, body: bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 (RFC 2104) over the unix-seconds timestamp, a dot, the body."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify_webhook(
    secret: bytes,
    body: bytes,
    signature_header: str,
    timestamp_header: str,
    now: datetime,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> BillPaid:
    """Check a callback's signature and freshness, then read the paid event in it.

    The timestamp is signed with the body, so a captured callback replayed
    after `tolerance_s` seconds is refused even though its signature is valid.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    timestamp = _parse_timestamp(timestamp_header)
    if abs(now.timestamp() - timestamp) > tolerance_s:
        raise WebhookRejectedError(
            "callback timestamp is outside the tolerance window",
            code="WEBHOOK_STALE",
        )

    expected = sign_webhook(secret, body, timestamp)
    # Constant-time comparison, so the signature cannot be guessed byte by byte.
    if not hmac.compare_digest(expected, signature_header.strip().lower()):
        raise WebhookRejectedError(
            "callback signature does not match", code="WEBHOOK_SIGNATURE_INVALID"
        )
    return _parse_paid_event(body)


def _parse_timestamp(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise WebhookRejectedError(
            "callback timestamp is not unix seconds", code="WEBHOOK_MALFORMED"
        ) from None


def _parse_paid_event(body: bytes) -> BillPaid:
    try:
        data = json.loads(body)
        if data["event"] != PAID_EVENT:
            raise WebhookRejectedError(
                "callback is not a paid event", code="WEBHOOK_UNSUPPORTED_EVENT"
            )
        event = BillPaid(
            event_id=_text(data["event_id"]),
            bill_id=_text(data["bill_id"]),
            amount=Decimal(_text(data["amount"])),
            currency=_text(data["currency"]),
            paid_at=datetime.fromisoformat(_text(data["paid_at"])),
        )
    except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise WebhookRejectedError(
            "callback body is not a paid event", code="WEBHOOK_MALFORMED"
        ) from exc
    if event.paid_at.tzinfo is None:
        raise WebhookRejectedError(
            "callback paid_at has no offset", code="WEBHOOK_MALFORMED"
        )
    return event


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value
