"""Tariff versions as data, consolidated invoices, their lines and number counters."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.invoicing import ServiceCode
from domain.models.base import Base, Identified, OrganisationOwned, utcnow
from domain.models.common import pg_enum

# Rupiah have no minor unit, but other currencies do; unit prices stay exact
# (a storage percent may leave a fraction), so they keep more places.
AMOUNT = Numeric(18, 2)
UNIT_PRICE = Numeric(20, 6)


class TariffVersion(Base, Identified):
    """One version of a terminal's tariff, in force on local dates from..to.

    `rates` holds the figures as JSON (decimal strings, never floats): see
    domain.services.tariffs for the layout and its mapping to a TariffBook.
    """

    __tablename__ = "tariff_versions"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    port: Mapped[str] = mapped_column(String(5))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(40))
    rates: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None]

    __table_args__ = (
        Index("ix_tariff_versions_port_from", "port", "valid_from"),
        CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name="validity_order"
        ),
    )


class InvoiceStatus(enum.StrEnum):
    """Whether an issued invoice's balance is still owed."""

    ISSUED = "ISSUED"
    PAID = "PAID"


class InvoiceNumberCounter(Base):
    """The last invoice number issued in a year.

    Locked FOR UPDATE by the finalising transaction, so numbers are gapless
    and unique: a rolled-back invoice also rolls back its number, which a
    PostgreSQL sequence would not.
    """

    __tablename__ = "invoice_number_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(Base, OrganisationOwned):
    """An invoice of a shipment, as issued; never edited after.

    Each shipment has one consolidated invoice (`extends_invoice_id` null) and
    may have storage extensions, each naming the consolidated invoice, for
    the days a box stays beyond what was paid for.
    """

    __tablename__ = "invoices"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="RESTRICT")
    )
    extends_invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT")
    )
    number: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    status: Mapped[InvoiceStatus] = mapped_column(
        pg_enum(InvoiceStatus, "invoice_status"), default=InvoiceStatus.ISSUED
    )
    issued_at: Mapped[datetime]
    charged_until: Mapped[datetime]
    tariff_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tariff_versions.id", ondelete="RESTRICT")
    )
    tariff_code: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(AMOUNT)
    tax_base: Mapped[Decimal] = mapped_column(AMOUNT)
    vat: Mapped[Decimal] = mapped_column(AMOUNT)
    # The VAT rule the invoice was computed with, kept as issued: a tariff
    # edited later prices only what is issued from then on.
    vat_rate_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    tax_base_numerator: Mapped[int]
    tax_base_denominator: Mapped[int]
    total: Mapped[Decimal] = mapped_column(AMOUNT)
    initial_payment: Mapped[Decimal] = mapped_column(AMOUNT)
    balance_due: Mapped[Decimal] = mapped_column(AMOUNT)
    paid_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    paid_at: Mapped[datetime | None]
    issued_by_id: Mapped[uuid.UUID | None]
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_npwp: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint("year", "sequence"),
        Index("ix_invoices_org_issued", "organisation_id", "issued_at"),
        Index("ix_invoices_shipment_id", "shipment_id"),
        # One consolidated invoice per shipment, also under concurrent finalising.
        Index(
            "uq_invoices_consolidated",
            "shipment_id",
            unique=True,
            postgresql_where="extends_invoice_id IS NULL",
        ),
        CheckConstraint("sequence > 0", name="sequence_positive"),
    )


class InvoiceLine(Base, OrganisationOwned):
    """One service for one box (or the shipment): quantity x unit price, rounded."""

    __tablename__ = "invoice_lines"

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    service: Mapped[ServiceCode] = mapped_column(pg_enum(ServiceCode, "service_code"))
    container_number: Mapped[str | None] = mapped_column(String(11))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(UNIT_PRICE)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    period: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("invoice_id", "position"),
        Index("ix_invoice_lines_service", "service"),
        CheckConstraint("quantity >= 0", name="quantity"),
    )
