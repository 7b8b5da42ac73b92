"""What the simulated Praya accepts: bill requests and control switches."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

_CURRENCY = re.compile(r"[A-Z]{3}")  # ISO 4217 alphabetic code
MAX_DUPLICATE_CALLBACKS = 10


class RequestRejectedError(Exception):
    """The simulator refuses a request with an HTTP status and an error code."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class BillRequest:
    """A request to bill a customer for a shipment; equal requests share a key."""

    shipment_ref: str
    customer_name: str
    amount: Decimal
    currency: str
    description: str


def parse_bill_request(data: Any) -> BillRequest:
    """Read a bill request body, refusing it with 422 when a field is wrong."""
    if not isinstance(data, dict):
        raise _invalid("body", "must be an object")
    currency = _text(data, "currency")
    if not _CURRENCY.fullmatch(currency):
        raise _invalid("currency", "must be an ISO 4217 code")
    return BillRequest(
        shipment_ref=_text(data, "shipment_ref", required=True),
        customer_name=_text(data, "customer_name", required=True),
        amount=_amount(data.get("amount")),
        currency=currency,
        description=_text(data, "description"),
    )


def parse_switches(data: Any) -> dict[str, Any]:
    """Read a partial switch update, refusing unknown names and bad values."""
    if not isinstance(data, dict):
        raise _invalid("body", "must be an object")
    unknown = set(data) - set(_SWITCHES)
    if unknown:
        raise _invalid(", ".join(sorted(unknown)), "unknown switch")
    return {name: _SWITCHES[name](name, value) for name, value in data.items()}


def _text(data: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if not isinstance(value, str) or (required and not value.strip()):
        raise _invalid(name, "must be a non-empty string" if required else "string")
    return value


def _amount(value: Any) -> Decimal:
    # Amounts travel as decimal strings so no float rounding creeps in.
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise _invalid("amount", "must be a positive decimal string")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise _invalid("amount", "has more than two decimal places")
    return amount


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid(name, "must be a non-negative integer")
    return value


def _callbacks(name: str, value: Any) -> int:
    count = _count(name, value)
    if count > MAX_DUPLICATE_CALLBACKS:
        raise _invalid(name, f"at most {MAX_DUPLICATE_CALLBACKS}")
    return count


def _rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(name, "must be a number")
    if not 0 <= value <= 1:
        raise _invalid(name, "must be between 0 and 1")
    return float(value)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _invalid(name, "must be true or false")
    return value


def _optional_seconds(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _invalid(name, "must be a non-negative number or null")
    return float(value)


def _optional_url(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise _invalid(name, "must be an http(s) URL or null")
    return value


_SWITCHES: dict[str, Callable[[str, Any], Any]] = {
    "latency_ms": _count,
    "error_rate": _rate,
    "outage": _flag,
    "duplicate_callbacks": _callbacks,
    "drop_callbacks": _flag,
    "auto_pay_after_s": _optional_seconds,
    "callback_url": _optional_url,
}


def _invalid(name: str, problem: str) -> RequestRejectedError:
    return RequestRejectedError(422, "INVALID_FIELD", f"{name}: {problem}")
