"""service: port call timestamps, container events, manifests, feed cursors

Revision ID: 0004_service
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_service"
down_revision = "0002"
branch_labels = ("service",)
depends_on = None

CLASSIFIER = postgresql.ENUM(
    "PLN", "EST", "REQ", "ACT", name="timestamp_classifier", create_type=False
)
EVENT_TYPE = postgresql.ENUM(
    "ARRI", "DEPA", "STRT", "CMPL", name="port_call_event_type", create_type=False
)
SERVICE = postgresql.ENUM(
    "BERTH",
    "CARGO_OPERATIONS",
    "PILOTAGE",
    "PORT_AREA",
    "ANCHORAGE",
    name="port_call_service",
    create_type=False,
)
CONTAINER_EVENT = postgresql.ENUM(
    "DISC",
    "YARD",
    "YARD_MOVE",
    "INSP_START",
    "INSP_END",
    "CUSTOMS_HOLD",
    "CUSTOMS_RELEASE",
    "AVPU",
    "GTIN",
    "GTOT",
    name="container_event_type",
    create_type=False,
)
ENUMS = (CLASSIFIER, EVENT_TYPE, SERVICE, CONTAINER_EVENT)


def _identified() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    for enum in ENUMS:
        enum.create(bind, checkfirst=True)
    op.create_table(
        "feed_cursors",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("cursor", sa.String(length=64), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_feed_cursors")),
    )
    op.create_table(
        "discharge_manifests",
        sa.Column("vessel_call_id", sa.UUID(), nullable=False),
        sa.Column("container_count", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vessel_call_id"],
            ["vessel_calls.id"],
            name=op.f("fk_discharge_manifests_vessel_call_id_vessel_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vessel_call_id", name=op.f("pk_discharge_manifests")),
    )
    op.create_table(
        "port_call_timestamps",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("vessel_call_id", sa.UUID(), nullable=False),
        sa.Column("classifier", CLASSIFIER, nullable=False),
        sa.Column("event_type", EVENT_TYPE, nullable=False),
        sa.Column("service", SERVICE, nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retracts_event_id", sa.String(length=64), nullable=True),
        *_identified(),
        sa.ForeignKeyConstraint(
            ["vessel_call_id"],
            ["vessel_calls.id"],
            name=op.f("fk_port_call_timestamps_vessel_call_id_vessel_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_call_timestamps")),
        sa.UniqueConstraint("event_id", name=op.f("uq_port_call_timestamps_event_id")),
    )
    op.create_index(
        op.f("ix_port_call_timestamps_vessel_call_id"),
        "port_call_timestamps",
        ["vessel_call_id"],
        unique=False,
    )
    op.create_table(
        "container_events",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("container_number", sa.String(length=11), nullable=False),
        sa.Column("vessel_call_ref", sa.String(length=64), nullable=False),
        sa.Column("vessel_call_id", sa.UUID(), nullable=True),
        sa.Column("event_type", CONTAINER_EVENT, nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("yard_block", sa.String(length=16), nullable=True),
        sa.Column("yard_bay", sa.Integer(), nullable=True),
        sa.Column("yard_row", sa.Integer(), nullable=True),
        sa.Column("yard_tier", sa.Integer(), nullable=True),
        sa.Column("retracts_event_id", sa.String(length=64), nullable=True),
        *_identified(),
        sa.ForeignKeyConstraint(
            ["vessel_call_id"],
            ["vessel_calls.id"],
            name=op.f("fk_container_events_vessel_call_id_vessel_calls"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_container_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_container_events_event_id")),
    )
    op.create_index(
        "ix_container_events_number",
        "container_events",
        ["container_number", "seq"],
        unique=False,
    )
    op.create_index(
        "ix_container_events_call_type",
        "container_events",
        ["vessel_call_id", "event_type"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_container_events_call_type", table_name="container_events")
    op.drop_index("ix_container_events_number", table_name="container_events")
    op.drop_table("container_events")
    op.drop_index(
        op.f("ix_port_call_timestamps_vessel_call_id"),
        table_name="port_call_timestamps",
    )
    op.drop_table("port_call_timestamps")
    op.drop_table("discharge_manifests")
    op.drop_table("feed_cursors")
    bind = op.get_bind()
    for enum in reversed(ENUMS):
        enum.drop(bind, checkfirst=True)
