"""The finance system as the domain sees it: Praya, its failures as domain errors."""

from __future__ import annotations

from decimal import Decimal

import httpx

from dermaga.settings import Settings
from domain.ports.finance import Bill
from domain.services.payments import FinanceRefusedError, FinanceUnavailableError
from integrations.errors import PermanentIntegrationError, TransientIntegrationError
from integrations.finance.client import PrayaClient, build_praya_http


class DomainFinance:
    """A FinanceSystem over PrayaClient that reports failures as domain errors.

    Transient failures (timeouts, 5xx, an open circuit) become
    FinanceUnavailableError, which callers may retry; refusals become
    FinanceRefusedError.
    """

    def __init__(self, client: PrayaClient) -> None:
        self._client = client

    async def create_bill(
        self,
        idempotency_key: str,
        shipment_ref: str,
        customer_name: str,
        amount: Decimal,
        currency: str,
        description: str,
    ) -> Bill:
        try:
            return await self._client.create_bill(
                idempotency_key,
                shipment_ref,
                customer_name,
                amount,
                currency,
                description,
            )
        except TransientIntegrationError as error:
            raise _unavailable() from error
        except PermanentIntegrationError as error:
            raise _refused(error) from error

    async def get_bill(self, bill_id: str) -> Bill:
        try:
            return await self._client.get_bill(bill_id)
        except TransientIntegrationError as error:
            raise _unavailable() from error
        except PermanentIntegrationError as error:
            raise _refused(error) from error


def _unavailable() -> FinanceUnavailableError:
    return FinanceUnavailableError(
        "the finance system is unavailable; try again with the same client key"
    )


def _refused(error: PermanentIntegrationError) -> FinanceRefusedError:
    code = (
        "IDEMPOTENCY_CONFLICT" if error.status_code == 409 else FinanceRefusedError.code
    )
    return FinanceRefusedError(
        f"the finance system refused the payment ({error.status_code})", code=code
    )


def build_finance(settings: Settings) -> tuple[DomainFinance, httpx.AsyncClient]:
    """Praya's client with explicit timeouts; the caller closes the HTTP client."""
    timeout = httpx.Timeout(settings.finance_timeout_seconds, connect=2.0)
    http = build_praya_http(settings.finance_url, timeout=timeout)
    client = PrayaClient(
        http,
        settings.finance_api_key.get_secret_value(),
        attempts=settings.finance_attempts,
    )
    return DomainFinance(client), http
