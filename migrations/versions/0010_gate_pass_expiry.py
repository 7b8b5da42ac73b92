"""A gate pass whose slot lapsed unused is EXPIRED

Revision ID: 0010_gate_pass_expiry
Revises: 0009_active_bl_number
Create Date: 2026-12-04 09:00:00

PostgreSQL takes the new enum value inside the migration's transaction but
lets no statement use it before that transaction commits; nothing here does.
Downgrading turns expired passes into cancelled ones (the older schema has
no other state that is not live), so analytics stops counting them missed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_gate_pass_expiry"
down_revision = "0009_active_bl_number"
branch_labels = None
depends_on = None

LIVE = "status IN ('ISSUED', 'IN_TERMINAL')"


def upgrade() -> None:
    op.execute(
        "ALTER TYPE gate_pass_status ADD VALUE IF NOT EXISTS 'EXPIRED' "
        "BEFORE 'CANCELLED'"
    )


def downgrade() -> None:
    op.execute("UPDATE gate_passes SET status = 'CANCELLED' WHERE status = 'EXPIRED'")
    # The partial index compares the column with values of the old type.
    op.drop_index("uq_gate_passes_live_container", table_name="gate_passes")
    op.execute("ALTER TYPE gate_pass_status RENAME TO gate_pass_status_old")
    op.execute(
        "CREATE TYPE gate_pass_status AS ENUM "
        "('ISSUED', 'IN_TERMINAL', 'COMPLETED', 'CANCELLED')"
    )
    op.execute(
        "ALTER TABLE gate_passes ALTER COLUMN status TYPE gate_pass_status "
        "USING status::text::gate_pass_status"
    )
    op.execute("DROP TYPE gate_pass_status_old")
    op.create_index(
        "uq_gate_passes_live_container",
        "gate_passes",
        ["container_id"],
        unique=True,
        postgresql_where=sa.text(LIVE),
    )
