"""pre-service: documents, the assistant's checks, payments

Revision ID: 0003_pre_service
Revises: 0002
Create Date: 2026-12-03 16:52:11.529868
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_pre_service"
down_revision = "0002"
branch_labels = ("pre_service",)
depends_on = None

LIVE_INITIAL = "purpose = 'INITIAL' AND status IN ('PENDING_CREATE', 'PENDING', 'PAID')"


def upgrade() -> None:
    op.create_table(
        "document_checks",
        sa.Column("shipment_id", sa.UUID(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("on_submit", sa.Boolean(), nullable=False),
        sa.Column("blocking", sa.Boolean(), nullable=False),
        sa.Column("findings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("checked_by_id", sa.UUID(), nullable=True),
        sa.Column("organisation_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_document_checks_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_document_checks_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_checks")),
    )
    op.create_index(
        op.f("ix_document_checks_organisation_id"),
        "document_checks",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        "ix_document_checks_shipment_checked",
        "document_checks",
        ["shipment_id", "checked_at"],
        unique=False,
    )
    op.create_table(
        "documents",
        sa.Column("shipment_id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "BILL_OF_LADING",
                "DELIVERY_ORDER",
                "PIB",
                "SPPB",
                "COMMERCIAL_INVOICE",
                "PACKING_LIST",
                "POWER_OF_ATTORNEY",
                "OTHER",
                name="document_kind",
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.UUID(), nullable=True),
        sa.Column("organisation_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_documents_sha256_hex")
        ),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_documents_size_positive")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_documents_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_documents_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_index(
        op.f("ix_documents_organisation_id"),
        "documents",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_documents_shipment_id"), "documents", ["shipment_id"], unique=False
    )
    op.create_table(
        "payments",
        sa.Column("shipment_id", sa.UUID(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum("INITIAL", "INVOICE", name="payment_purpose"),
            nullable=False,
        ),
        sa.Column("client_key", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING_CREATE",
                "PENDING",
                "PAID",
                "EXPIRED",
                "CANCELLED",
                name="payment_status",
            ),
            nullable=False,
        ),
        sa.Column("bill_id", sa.String(length=64), nullable=True),
        sa.Column("virtual_account", sa.String(length=32), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_event_id", sa.String(length=64), nullable=True),
        sa.Column("started_by_id", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_payments_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_payments_shipment_id_shipments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("bill_id", name=op.f("uq_payments_bill_id")),
        sa.UniqueConstraint("paid_event_id", name=op.f("uq_payments_paid_event_id")),
        sa.UniqueConstraint(
            "shipment_id", "client_key", name=op.f("uq_payments_shipment_id_client_key")
        ),
    )
    op.create_index(
        op.f("ix_payments_organisation_id"),
        "payments",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payments_shipment_id"), "payments", ["shipment_id"], unique=False
    )
    op.create_index("ix_payments_status", "payments", ["status"], unique=False)
    op.create_index(
        "uq_payments_live_initial",
        "payments",
        ["shipment_id"],
        unique=True,
        postgresql_where=LIVE_INITIAL,
    )


def downgrade() -> None:
    op.drop_index(
        "uq_payments_live_initial",
        table_name="payments",
    )
    op.drop_index("ix_payments_status", table_name="payments")
    op.drop_index(op.f("ix_payments_shipment_id"), table_name="payments")
    op.drop_index(op.f("ix_payments_organisation_id"), table_name="payments")
    op.drop_table("payments")
    op.drop_index(op.f("ix_documents_shipment_id"), table_name="documents")
    op.drop_index(op.f("ix_documents_organisation_id"), table_name="documents")
    op.drop_table("documents")
    op.drop_index("ix_document_checks_shipment_checked", table_name="document_checks")
    op.drop_index(
        op.f("ix_document_checks_organisation_id"), table_name="document_checks"
    )
    op.drop_table("document_checks")
    for name in ("payment_status", "payment_purpose", "document_kind"):
        op.execute(sa.text(f"DROP TYPE IF EXISTS {name}"))
