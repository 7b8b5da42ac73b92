"""POST /webhooks/praya: Praya's signed paid callbacks confirm payments, once."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse

from domain.ports.finance import WebhookRejectedError
from domain.services.payment_confirmations import (
    Confirmation,
    PaidNotice,
    confirm_payment,
)
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from integrations.finance.webhooks import read_callback

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 64 * 1024
# An unknown bill may be one whose creation is still being recorded: a
# non-2xx answer makes Praya deliver again, and reconciliation catches the rest.
STATUS = {
    Confirmation.CONFIRMED: 200,
    Confirmation.DUPLICATE: 200,
    Confirmation.UNKNOWN_BILL: 404,
    Confirmation.AMOUNT_MISMATCH: 422,
}


class PrayaWebhook:
    """The endpoint; `secret` is the shared key Praya signs callbacks with."""

    def __init__(self, database: Database, secret: bytes) -> None:
        self._database = database
        self._secret = secret

    async def __call__(self, request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _answer(413, "WEBHOOK_TOO_LARGE")
        try:
            event = read_callback(
                self._secret, body, request.headers, datetime.now(UTC)
            )
        except WebhookRejectedError as error:
            log.warning("payment.callback.rejected", code=error.code)
            return _answer(401 if "SIGNATURE" in error.code else 400, error.code)

        notice = PaidNotice(
            event.bill_id, event.amount, event.currency, event.paid_at, event.event_id
        )
        async with self._database.transaction(SYSTEM) as session:
            outcome = await confirm_payment(session, notice)
        log.info("payment.callback.received", bill_id=event.bill_id, outcome=outcome)
        return _answer(STATUS[outcome], outcome.value)


def _answer(status: int, outcome: str) -> JSONResponse:
    return JSONResponse({"outcome": outcome}, status_code=status)
