"""Payments of a shipment through the finance system (Praya)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, OrganisationOwned, utcnow
from domain.models.common import pg_enum


class PaymentStatus(enum.StrEnum):
    """Where a payment stands; PENDING_CREATE means Praya has not issued a bill yet."""

    PENDING_CREATE = "PENDING_CREATE"
    PENDING = "PENDING"
    PAID = "PAID"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


# Billed, or being billed, and not paid yet.
UNSETTLED_STATUSES = (PaymentStatus.PENDING_CREATE, PaymentStatus.PENDING)
LIVE_STATUSES = (*UNSETTLED_STATUSES, PaymentStatus.PAID)


class PaymentPurpose(enum.StrEnum):
    """What a payment settles: the initial (proforma) payment or an invoice."""

    INITIAL = "INITIAL"
    INVOICE = "INVOICE"


class Payment(Base, OrganisationOwned):
    """A bill at Praya for a shipment, keyed by the client's idempotency key.

    The row is written before Praya is called (PENDING_CREATE) and its id is
    Praya's idempotency key, so a retry never issues a second bill.
    """

    __tablename__ = "payments"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="RESTRICT"), index=True
    )
    purpose: Mapped[PaymentPurpose] = mapped_column(
        pg_enum(PaymentPurpose, "payment_purpose")
    )
    client_key: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PaymentStatus] = mapped_column(
        pg_enum(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING_CREATE
    )
    bill_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    virtual_account: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    paid_event_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    started_by_id: Mapped[uuid.UUID | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("shipment_id", "client_key"),
        # One live initial payment per shipment, even under concurrent requests.
        Index(
            "uq_payments_live_initial",
            "shipment_id",
            unique=True,
            postgresql_where="purpose = 'INITIAL' AND status IN "
            "('PENDING_CREATE', 'PENDING', 'PAID')",
        ),
        Index("ix_payments_status", "status"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )
