"""DO validity on documents, storage paid through on boxes, storage extensions

Revision ID: 0008_do_validity_storage
Revises: 0007
Create Date: 2026-12-03 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_do_validity_storage"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("valid_from", sa.Date(), nullable=True))
    op.add_column("documents", sa.Column("valid_until", sa.Date(), nullable=True))
    op.create_check_constraint(
        op.f("ck_documents_validity_order"),
        "documents",
        "valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
    )
    op.add_column(
        "containers",
        sa.Column("charged_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "containers",
        sa.Column("storage_paid_through", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("invoices", sa.Column("extends_invoice_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_invoices_extends_invoice_id_invoices"),
        "invoices",
        "invoices",
        ["extends_invoice_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.drop_constraint(op.f("uq_invoices_shipment_id"), "invoices", type_="unique")
    op.create_index("ix_invoices_shipment_id", "invoices", ["shipment_id"])
    op.create_index(
        "uq_invoices_consolidated",
        "invoices",
        ["shipment_id"],
        unique=True,
        postgresql_where=sa.text("extends_invoice_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_invoices_consolidated", table_name="invoices")
    op.drop_index("ix_invoices_shipment_id", table_name="invoices")
    # The old schema has room for one invoice per shipment: extensions go.
    op.execute(
        "DELETE FROM invoice_lines WHERE invoice_id IN "
        "(SELECT id FROM invoices WHERE extends_invoice_id IS NOT NULL)"
    )
    op.execute("DELETE FROM invoices WHERE extends_invoice_id IS NOT NULL")
    op.create_unique_constraint(
        op.f("uq_invoices_shipment_id"), "invoices", ["shipment_id"]
    )
    op.drop_constraint(
        op.f("fk_invoices_extends_invoice_id_invoices"), "invoices", type_="foreignkey"
    )
    op.drop_column("invoices", "extends_invoice_id")
    op.drop_column("containers", "storage_paid_through")
    op.drop_column("containers", "charged_until")
    op.drop_constraint(op.f("ck_documents_validity_order"), "documents", type_="check")
    op.drop_column("documents", "valid_until")
    op.drop_column("documents", "valid_from")
