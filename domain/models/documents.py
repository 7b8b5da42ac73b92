"""Uploaded shipment documents and the assistant's recorded checks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.documents import DocumentKind
from domain.models.base import Base, OrganisationOwned, utcnow
from domain.models.common import pg_enum


class Document(Base, OrganisationOwned):
    """A file attached to a shipment; its bytes live in the file store by SHA-256.

    `valid_from` and `valid_until` are a Delivery Order's validity, local days
    at the port, as the assistant read them from the document when it was
    checked (null for other kinds, or when the DO does not print them).
    """

    __tablename__ = "documents"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(pg_enum(DocumentKind, "document_kind"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[uuid.UUID | None]
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
            name="validity_order",
        ),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )


class DocumentCheck(Base, OrganisationOwned):
    """One run of the assistant over a shipment's documents, as it was then.

    `findings` holds the findings as JSON objects (severity, code, document,
    field, value, page, message_en, message_id); `on_submit` marks the check
    that went with a submission, whose warnings the operator reviews.
    """

    __tablename__ = "document_checks"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE")
    )
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    on_submit: Mapped[bool] = mapped_column(default=False)
    blocking: Mapped[bool] = mapped_column(default=False)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    checked_by_id: Mapped[uuid.UUID | None]

    __table_args__ = (
        Index("ix_document_checks_shipment_checked", "shipment_id", "checked_at"),
    )
