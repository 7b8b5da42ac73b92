"""PrayaClient: the finance system's bill API, reached through the API gateway."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx
import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    stop_after_attempt,
    wait_exponential_jitter,
)

from domain.ports.finance import Bill, BillStatus
from integrations.errors import (
    PermanentIntegrationError,
    TransientIntegrationError,
)
from integrations.finance.circuit import CircuitBreaker

log = structlog.get_logger(__name__)

SYSTEM = "praya"
API_KEY_HEADER = "X-Api-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Connect fails fast; a read waits for a slow gateway, but not for ever.
DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
# 408 and 429 ask the caller to come back later (RFC 9110, RFC 6585).
_RETRY_LATER = frozenset({408, 429})


def build_praya_http(
    base_url: str, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT
) -> httpx.AsyncClient:
    """The one HTTP client for Praya, with explicit timeouts; the owner closes it."""
    return httpx.AsyncClient(base_url=base_url, timeout=timeout)


class PrayaClient:
    """Praya's bills over HTTP; implements the domain's FinanceSystem.

    `http` carries the base URL and the timeouts (see build_praya_http); whoever
    builds it closes it. Both calls are idempotent (creation through its
    Idempotency-Key), so a call failing transiently is tried up to `attempts`
    times with jittered exponential backoff, each try through the circuit
    breaker. With DEFAULT_TIMEOUT and the defaults a call gives up within ~16 s.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        *,
        attempts: int = 3,
        backoff_s: float = 0.2,
        max_backoff_s: float = 2.0,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._http = http
        self._api_key = api_key
        self._attempts = attempts
        self._wait = wait_exponential_jitter(
            multiplier=backoff_s, jitter=backoff_s, max=max_backoff_s
        )
        self.breaker = breaker or CircuitBreaker(system=SYSTEM)

    async def create_bill(
        self,
        idempotency_key: str,
        shipment_ref: str,
        customer_name: str,
        amount: Decimal,
        currency: str,
        description: str,
    ) -> Bill:
        """Issue a bill; repeating the key returns the bill it first created."""
        payload = {
            "shipment_ref": shipment_ref,
            "customer_name": customer_name,
            "amount": str(amount),
            "currency": currency,
            "description": description,
        }
        headers = {IDEMPOTENCY_HEADER: idempotency_key}
        data = await self._call("create_bill", "POST", "/v1/bills", payload, headers)
        bill = _bill_from_json(data, "create_bill")
        log.info("praya.bill.created", bill_id=bill.bill_id, shipment_ref=shipment_ref)
        return bill

    async def get_bill(self, bill_id: str) -> Bill:
        """Read a bill's current status from Praya."""
        url = f"/v1/bills/{quote(bill_id, safe='')}"
        data = await self._call("get_bill", "GET", url, None, {})
        return _bill_from_json(data, "get_bill")

    async def _call(
        self,
        operation: str,
        method: str,
        url: str,
        payload: Mapping[str, str] | None,
        headers: Mapping[str, str],
    ) -> Mapping[str, Any]:
        async def attempt() -> Mapping[str, Any]:
            return await self._send(operation, method, url, payload, headers)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            retry=self._should_retry,
            before_sleep=_log_retry,
            reraise=True,
        )
        return await retrying(self.breaker.call, operation, attempt)

    def _should_retry(self, state: RetryCallState) -> bool:
        # An open circuit (even one this call's failures just opened) ends the
        # retries, so the caller sees the failure that opened it.
        error = state.outcome.exception() if state.outcome else None
        transient = isinstance(error, TransientIntegrationError)
        return transient and not self.breaker.is_open

    async def _send(
        self,
        operation: str,
        method: str,
        url: str,
        payload: Mapping[str, str] | None,
        headers: Mapping[str, str],
    ) -> Mapping[str, Any]:
        request_headers = {API_KEY_HEADER: self._api_key, **headers}
        try:
            response = await self._http.request(
                method, url, json=payload, headers=request_headers
            )
        except httpx.TransportError as exc:
            raise TransientIntegrationError(
                f"Praya unreachable: {type(exc).__name__}",
                system=SYSTEM,
                operation=operation,
            ) from exc
        return _read_response(response, operation)


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning(
        "praya.request.retry",
        operation=state.args[0] if state.args else None,
        attempt=state.attempt_number,
        error=str(error),
    )


def _read_response(response: httpx.Response, operation: str) -> Mapping[str, Any]:
    try:
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        raise _status_error(response, operation) from exc
    try:
        data = response.json()
    except ValueError as exc:
        raise _malformed(operation) from exc
    if not isinstance(data, dict):
        raise _malformed(operation)
    return data


def _status_error(response: httpx.Response, operation: str) -> Exception:
    status = response.status_code
    if status >= 500 or status in _RETRY_LATER:
        return TransientIntegrationError(
            f"Praya answered {status}", system=SYSTEM, operation=operation
        )
    return PermanentIntegrationError(
        f"Praya refused {operation}: {status} {_error_message(response)}",
        system=SYSTEM,
        operation=operation,
        status_code=status,
    )


def _error_message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.reason_phrase


def _bill_from_json(data: Mapping[str, Any], operation: str) -> Bill:
    try:
        paid_at = data.get("paid_at")
        return Bill(
            bill_id=str(data["bill_id"]),
            virtual_account=str(data["virtual_account"]),
            amount=Decimal(str(data["amount"])),
            currency=str(data["currency"]),
            status=BillStatus(data["status"]),
            expires_at=_aware(data["expires_at"]),
            paid_at=_aware(paid_at) if paid_at is not None else None,
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise _malformed(operation) from exc


def _aware(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("time without an offset")
    return parsed


def _malformed(operation: str) -> PermanentIntegrationError:
    return PermanentIntegrationError(
        "Praya answered a body that is not a bill", system=SYSTEM, operation=operation
    )
