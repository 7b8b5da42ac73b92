"""The pre-service stage's runtime: finance client, file store, webhook, downloads."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dermaga.files import DocumentDownloads
from dermaga.finance import DomainFinance, build_finance
from dermaga.reconcile import PaymentReconciler, reconciling
from dermaga.settings import Settings
from dermaga.webhooks import PrayaWebhook
from domain.filestore import LocalFileStore
from domain.unit_of_work import Database

KEY = "pre_service"


@dataclass(frozen=True, slots=True)
class PreService:
    """What the lifespan opened for requests, payments and documents."""

    finance: DomainFinance
    store: LocalFileStore
    webhook: PrayaWebhook
    downloads: DocumentDownloads
    reconciler: PaymentReconciler

    def service_extras(self, settings: Settings) -> dict[str, Any]:
        """What resolvers find in `Services.extras`."""
        return {
            "finance": self.finance,
            "file_store": self.store,
            "upload_max_bytes": settings.upload_max_bytes,
            "download_link_ttl_s": settings.download_link_ttl_seconds,
        }


@contextlib.asynccontextmanager
async def pre_service(
    database: Database, settings: Settings
) -> AsyncIterator[PreService]:
    """Open Praya's client and the file store, run reconciliation; close on exit."""
    finance, http = build_finance(settings)
    store = LocalFileStore(settings.data_dir / "files")
    secret = settings.finance_webhook_secret.get_secret_value().encode()
    opened = PreService(
        finance=finance,
        store=store,
        webhook=PrayaWebhook(database, secret),
        downloads=DocumentDownloads(database, store, settings.signing_key),
        reconciler=PaymentReconciler(
            database, finance, settings.reconcile_interval_seconds
        ),
    )
    try:
        async with reconciling(opened.reconciler):
            yield opened
    finally:
        await http.aclose()


def late_endpoint(extras: dict[str, Any], name: str) -> Any:
    """A route endpoint that reaches the lifespan's `PreService` at request time."""

    async def endpoint(request: Request) -> Response:
        opened: PreService | None = extras.get(KEY)
        if opened is None:
            return JSONResponse({"error": "STARTING"}, status_code=503)
        handler = opened.webhook if name == "webhook" else opened.downloads
        return await handler(request)

    return endpoint
