"""The VAT rule an invoice was computed with, kept on the invoice

Revision ID: 0011_invoice_vat_rule
Revises: 0010_gate_pass_expiry
Create Date: 2026-12-04 17:00:00

Invoices issued before this revision were all computed with the published
rule (12% on a base of 11/12), which the defaults of the new columns state.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_invoice_vat_rule"
down_revision = "0010_gate_pass_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, column_type, default in (
        ("vat_rate_percent", sa.Numeric(5, 2), "12"),
        ("tax_base_numerator", sa.Integer(), "11"),
        ("tax_base_denominator", sa.Integer(), "12"),
    ):
        op.add_column(
            "invoices",
            sa.Column(name, column_type, nullable=False, server_default=default),
        )
        op.alter_column("invoices", name, server_default=None)


def downgrade() -> None:
    for name in ("tax_base_denominator", "tax_base_numerator", "vat_rate_percent"):
        op.drop_column("invoices", name)
