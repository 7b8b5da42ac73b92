"""merge the four stage branches into one head

Revision ID: 0007
Revises: 0003_pre_service, 0004_service, 0005_scheduling, 0006_post_service
Create Date: 2026-12-03 19:00:00
"""

from __future__ import annotations

revision = "0007"
down_revision = (
    "0003_pre_service",
    "0004_service",
    "0005_scheduling",
    "0006_post_service",
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the stages were built side by side from 0002."""


def downgrade() -> None:
    """Nothing to change."""
