"""Invoices, their lines and tariff versions, as the API shows them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Self

import strawberry
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.scalars import JSON

from domain import invoicing
from domain.models import billing as models
from domain.models.shipments import Shipment as ShipmentRow
from domain.services.downloads import DownloadGrant, sign_link
from domain.tenancy import CoreScoped
from schema.context import Info, among, columns_of, keys_of, rows_of, table_of
from schema.relay import load_nodes
from schema.scalars import Money
from schema.shipments import Shipment

strawberry.enum(models.InvoiceStatus, description="ISSUED while owed, then PAID.")
strawberry.enum(
    invoicing.ServiceCode, description="The terminal service a line charges for."
)
InvoiceStatus = models.InvoiceStatus
ServiceCode = invoicing.ServiceCode

INVOICE_DOWNLOAD_PATH = "/downloads/invoices/"
DEFAULT_LINK_TTL_S = 300


def money(amount: Decimal, currency: str) -> Money:
    """Money as the API writes it: no trailing zeros, no exponent (285500, 106312.5)."""
    exact = amount.normalize()
    if exact == exact.to_integral_value():
        exact = exact.quantize(Decimal(1))
    return Money(amount=exact, currency=currency)


def signed_path(info: Info, key: uuid.UUID, path: str, suffix: str) -> str | None:
    """A short-lived link to `path<token><suffix>` for the viewer, or None."""
    viewer = info.context.viewer
    if viewer is None:
        return None
    services = info.context.services
    ttl = int(services.extras.get("download_link_ttl_s", DEFAULT_LINK_TTL_S))
    expires = int(datetime.now(UTC).timestamp()) + ttl
    token = sign_link(services.signing_key, DownloadGrant(key, viewer, expires))
    return f"{path}{token}{suffix}"


@strawberry.type(description="One service for one box (or the shipment).")
class InvoiceLine:
    position: int = strawberry.field(description="Its place on the invoice, from 1.")
    service: ServiceCode = strawberry.field(description="The service charged.")
    container_number: str | None = strawberry.field(
        description="The box (ISO 6346); null for shipment-wide lines."
    )
    quantity: int = strawberry.field(description="Days, lifts, blocks or documents.")
    unit_price: Money = strawberry.field(description="Exact; may hold a fraction.")
    amount: Money = strawberry.field(description="Quantity x unit price, rounded once.")
    period: str | None = strawberry.field(
        description="Storage period of the tariff scheme (P2, P3...), if storage."
    )
    description: str = strawberry.field(description="What was charged, for a person.")

    @classmethod
    def from_model(cls, row: models.InvoiceLine, currency: str) -> Self:
        return cls(
            position=row.position,
            service=row.service,
            container_number=row.container_number,
            quantity=row.quantity,
            unit_price=money(row.unit_price, currency),
            amount=money(row.amount, currency),
            period=row.period,
            description=row.description,
        )


@strawberry.type(
    description="An invoice of a shipment: its one consolidated invoice, or a "
    "storage extension for the days a box stays beyond what was paid for."
)
class Invoice(relay.Node):
    id: relay.NodeID[str]
    number: str = strawberry.field(
        description="INV-<year>-<sequence>: gapless and unique per year."
    )
    status: InvoiceStatus = strawberry.field(description="Owed or paid.")
    issued_at: datetime = strawberry.field(description="When it was issued.")
    charged_until: datetime = strawberry.field(
        description="Boxes still in the yard were charged up to this time at the "
        "latest: each to the end of its booked pickup slot, or to the moment of "
        "issue without one (see Container.storagePaidThrough)."
    )
    tariff_code: str = strawberry.field(description="The tariff version applied.")
    subtotal: Money = strawberry.field(description="Sum of the rounded lines.")
    tax_base: Money = strawberry.field(description="PPN base: 11/12 of the subtotal.")
    vat: Money = strawberry.field(description="PPN: 12% of the tax base.")
    total: Money = strawberry.field(description="Subtotal plus PPN.")
    initial_payment: Money = strawberry.field(
        description="The initial payment credited."
    )
    balance_due: Money = strawberry.field(
        description="Total minus the initial payment; negative means a refund."
    )
    paid_at: datetime | None = strawberry.field(
        description="When the balance was settled; null while owed."
    )
    shipment_id: strawberry.Private[uuid.UUID]
    currency: strawberry.Private[str]
    extends_invoice_id: strawberry.Private[uuid.UUID | None] = None

    @strawberry.field(
        description="For a storage extension, the consolidated invoice it "
        "extends; null for the consolidated invoice itself."
    )
    async def extends_invoice(self, info: Info) -> Invoice | None:
        if self.extends_invoice_id is None:
            return None
        row = await info.context.loaders.of(models.Invoice).load(
            self.extends_invoice_id
        )
        return Invoice.from_model(row) if row is not None else None

    @strawberry.field(description="The invoice's lines, in order.")
    async def lines(self, info: Info) -> list[InvoiceLine]:
        rows = await info.context.loaders.batched("invoice_lines", _lines_of).load(
            uuid.UUID(self.id)
        )
        return [InvoiceLine.from_model(r, self.currency) for r in rows]

    @strawberry.field(description="The shipment invoiced.")
    async def shipment(self, info: Info) -> Shipment | None:
        row = await info.context.loaders.of(ShipmentRow).load(self.shipment_id)
        return Shipment.from_model(row) if row is not None else None

    @strawberry.field(
        description="The invoice as a PDF, for the viewer only, valid a few "
        "minutes; relative to the API's origin."
    )
    def pdf_url(self, info: Info) -> str | None:
        return signed_path(info, uuid.UUID(self.id), INVOICE_DOWNLOAD_PATH, ".pdf")

    @strawberry.field(
        description="The invoice as UBL 2.1-like JSON, for the viewer only, valid "
        "a few minutes; relative to the API's origin."
    )
    def json_url(self, info: Info) -> str | None:
        return signed_path(info, uuid.UUID(self.id), INVOICE_DOWNLOAD_PATH, ".json")

    @classmethod
    def from_model(cls, row: models.Invoice | Row[Any]) -> Self:
        """From the mapped row, or a row of `INVOICES_OF`."""
        currency = row.currency
        return cls(
            id=str(row.id),
            number=row.number,
            status=row.status,
            issued_at=row.issued_at,
            charged_until=row.charged_until,
            tariff_code=row.tariff_code,
            subtotal=money(row.subtotal, currency),
            tax_base=money(row.tax_base, currency),
            vat=money(row.vat, currency),
            total=money(row.total, currency),
            initial_payment=money(row.initial_payment, currency),
            balance_due=money(row.balance_due, currency),
            paid_at=row.paid_at,
            shipment_id=row.shipment_id,
            currency=currency,
            extends_invoice_id=row.extends_invoice_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info, models.Invoice, node_ids, cls.from_model)


@strawberry.type(description="One version of a terminal's tariff, with its figures.")
class TariffVersion:
    code: str = strawberry.field(description="Unique code, e.g. IDTPP-2021.")
    port: str = strawberry.field(description="UN/LOCODE of the port.")
    valid_from: date = strawberry.field(description="First local day in force.")
    valid_to: date | None = strawberry.field(
        description="Last local day in force; null while open-ended."
    )
    currency: str = strawberry.field(description="ISO 4217 code of every figure.")
    rates: JSON = strawberry.field(
        description="The figures as stored (decimal strings): lift_on_off, "
        "storage_base, storage_scheme, noon_rule, inspection, reefer_power, "
        "reefer_block_hours, admin_fee, delivery, vat."
    )

    @classmethod
    def from_model(cls, row: models.TariffVersion) -> Self:
        return cls(
            code=row.code,
            port=row.port,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            currency=row.currency,
            rates=row.rates,  # type: ignore[arg-type]
        )


INVOICE_COLUMNS = columns_of(
    models.Invoice,
    "id",
    "shipment_id",
    "extends_invoice_id",
    "number",
    "status",
    "issued_at",
    "charged_until",
    "tariff_code",
    "currency",
    "subtotal",
    "tax_base",
    "vat",
    "total",
    "initial_payment",
    "balance_due",
    "paid_at",
)
INVOICES_OF = CoreScoped.where(
    select(*INVOICE_COLUMNS).where(
        among(table_of(models.Invoice).shipment_id),
        table_of(models.Invoice).extends_invoice_id.is_(None),
    )
)


async def invoices_by_shipment(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[Invoice | None]:
    """Batch: each shipment's consolidated invoice, or None before it is issued.

    Plain rows, tenancy-scoped all the same (see `columns_of`).
    """
    rows = await rows_of(session, INVOICES_OF, keys_of(keys))
    found = {row.shipment_id: Invoice.from_model(row) for row in rows}
    return [found.get(key) for key in keys]


async def _lines_of(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> list[list[models.InvoiceLine]]:
    rows = await session.scalars(
        select(models.InvoiceLine)
        .where(models.InvoiceLine.invoice_id.in_(invoice_ids))
        .order_by(models.InvoiceLine.invoice_id, models.InvoiceLine.position)
    )
    grouped: dict[uuid.UUID, list[models.InvoiceLine]] = defaultdict(list)
    for row in rows:
        grouped[row.invoice_id].append(row)
    return [grouped.get(i, []) for i in invoice_ids]
