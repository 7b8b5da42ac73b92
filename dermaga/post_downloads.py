"""GET routes behind the post-service signed links: invoice PDF and JSON, report CSV.

Links are signed by domain.services.downloads (the document links' signer,
reused): the token names the invoice (or the report query) and the viewer.
Each route re-reads through the tenancy scope of that viewer, so a link
serves only what its viewer may still see.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import structlog
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.errors import DomainError
from domain.invoice_pdf import InvoiceParty, render_pdf, ubl_json
from domain.models.billing import Invoice, InvoiceLine
from domain.models.shipments import Shipment
from domain.services import analytics
from domain.services.downloads import DownloadGrant, read_link
from domain.services.identity import principal_active
from schema.analytics import csv_query_id
from schema.context import Services

log = structlog.get_logger(__name__)

CSV_COLUMNS = (
    "bucket",
    "shipments",
    "containers",
    "dwell_hours",
    "verification_to_pickup_hours",
    "gate_turnaround_minutes",
    "bookings_kept",
    "bookings_late",
    "bookings_missed",
)
_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def post_service_routes(services: Callable[[], Services]) -> list[Route]:
    """The download routes; `services` gives the running app's services."""

    async def invoice(request: Request) -> Response:
        return await _invoice(services(), request)

    async def report(request: Request) -> Response:
        return await _report_csv(services(), request)

    return [
        Route("/downloads/invoices/{token}.{fmt}", invoice, methods=["GET"]),
        Route("/downloads/analytics/{token}.csv", report, methods=["GET"]),
    ]


def _grant(services: Services, token: str) -> DownloadGrant | Response:
    try:
        return read_link(services.signing_key, token, datetime.now(UTC))
    except DomainError as error:
        return JSONResponse({"error": error.code}, status_code=403)


async def _invoice(services: Services, request: Request) -> Response:
    fmt = request.path_params["fmt"]
    grant = _grant(services, request.path_params["token"])
    if isinstance(grant, Response):
        return grant
    if fmt not in ("pdf", "json"):
        return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
    async with services.database.reading(grant.viewer) as session:
        invoice = None
        if await principal_active(session, grant.viewer):
            invoice = await session.scalar(
                select(Invoice).where(Invoice.id == grant.document_id)
            )
        if invoice is None:
            return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
        lines = list(
            await session.scalars(
                select(InvoiceLine)
                .where(InvoiceLine.invoice_id == invoice.id)
                .order_by(InvoiceLine.position)
            )
        )
        shipment = await session.scalar(
            select(Shipment).where(Shipment.id == invoice.shipment_id)
        )
    party = InvoiceParty(
        name=invoice.customer_name or "-",
        npwp=invoice.customer_npwp,
        shipment_reference=shipment.reference if shipment else "-",
    )
    name = f"{invoice.number}.{fmt}"
    headers = {**_PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "json":
        return JSONResponse(ubl_json(invoice, lines, party), headers=headers)
    pdf = render_pdf(invoice, lines, party)
    return Response(pdf, media_type="application/pdf", headers=headers)


async def _report_csv(services: Services, request: Request) -> Response:
    grant = _grant(services, request.path_params["token"])
    if isinstance(grant, Response):
        return grant
    try:
        query = _query(request)
    except (KeyError, ValueError):
        return JSONResponse({"error": "INVALID"}, status_code=400)
    if csv_query_id(query) != grant.document_id:
        return JSONResponse({"error": "INVALID_DOWNLOAD_LINK"}, status_code=403)
    async with services.database.reading(grant.viewer) as session:
        if not await principal_active(session, grant.viewer):
            return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
        rows = await analytics.customer_rows(session, query, datetime.now(UTC))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [row.bucket.isoformat(), *(_cell(getattr(row, c)) for c in CSV_COLUMNS[1:])]
        )
    headers = {
        **_PRIVATE,
        "Content-Disposition": 'attachment; filename="analytics.csv"',
    }
    return Response(buffer.getvalue(), media_type="text/csv", headers=headers)


def _query(request: Request) -> analytics.ReportQuery:
    params = request.query_params
    organisation = params.get("organisationId")
    return analytics.ReportQuery(
        start=datetime.fromisoformat(params["from"]),
        end=datetime.fromisoformat(params["to"]),
        group_by=analytics.GroupBy(params["groupBy"]),
        organisation_id=uuid.UUID(organisation) if organisation else None,
    )


def _cell(value: object) -> str:
    return "" if value is None else str(value)
