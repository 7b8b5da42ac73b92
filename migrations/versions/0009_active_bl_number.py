"""One live request per B/L number and organisation

Revision ID: 0009_active_bl_number
Revises: 0008_do_validity_storage
Create Date: 2026-12-03 20:30:00

A database that already holds two live requests of one organisation for
the same B/L cannot take the index: cancel one of them first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_active_bl_number"
down_revision = "0008_do_validity_storage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "uq_shipments_active_bl_number",
        "shipments",
        ["organisation_id", "bl_number"],
        unique=True,
        postgresql_where=sa.text(
            "bl_number IS NOT NULL AND status NOT IN ('CANCELLED', 'COMPLETED')"
        ),
    )


def downgrade() -> None:
    op.drop_index("uq_shipments_active_bl_number", table_name="shipments")
