"""The reconciliation task: ask Praya about pending payments, so none is missed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog

from dermaga.background import running_in_background
from domain.ports.finance import FinanceSystem
from domain.services.payment_confirmations import Reconciliation, reconcile_pending
from domain.unit_of_work import Database

log = structlog.get_logger(__name__)


class PaymentReconciler:
    """Every `interval_s` seconds, confirm what Praya says was paid."""

    def __init__(
        self, database: Database, finance: FinanceSystem, interval_s: float
    ) -> None:
        self._database = database
        self._finance = finance
        self._interval_s = interval_s

    async def run_once(self) -> Reconciliation:
        result = await reconcile_pending(self._database, self._finance)
        if result.checked:
            log.info(
                "payment.reconciled",
                checked=result.checked,
                confirmed=result.confirmed,
                lapsed=result.lapsed,
                failed=result.failed,
            )
        return result

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.run_once()
            except Exception:
                log.warning("payment.reconcile_failed", exc_info=True)


@contextlib.asynccontextmanager
async def reconciling(reconciler: PaymentReconciler) -> AsyncIterator[None]:
    async with running_in_background(reconciler.run(), "payment-reconciler"):
        yield
