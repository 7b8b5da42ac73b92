"""scheduling: yard blocks, slot configuration, pickup slots, bookings and plans

Revision ID: 0005_scheduling
Revises: 0002
Create Date: 2026-12-03 17:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_scheduling"
down_revision = "0002"
branch_labels = ("scheduling",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pickup_slots",
        sa.Column("terminal", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("booked >= 0", name=op.f("ck_pickup_slots_booked")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_pickup_slots_window")),
        sa.CheckConstraint("quota >= 0", name=op.f("ck_pickup_slots_quota")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_slots")),
        sa.UniqueConstraint(
            "terminal", "starts_at", name=op.f("uq_pickup_slots_terminal_starts_at")
        ),
    )
    op.create_table(
        "slot_configurations",
        sa.Column("terminal", sa.String(length=16), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("default_quota", sa.Integer(), nullable=False),
        sa.Column("quay_cranes", sa.Integer(), nullable=False),
        sa.Column("moves_per_crane_hour", sa.Integer(), nullable=False),
        sa.Column("settling_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "default_quota >= 0", name=op.f("ck_slot_configurations_default_quota")
        ),
        sa.CheckConstraint(
            "moves_per_crane_hour >= 1",
            name=op.f("ck_slot_configurations_moves_per_crane_hour"),
        ),
        sa.CheckConstraint(
            "quay_cranes >= 1", name=op.f("ck_slot_configurations_quay_cranes")
        ),
        sa.CheckConstraint(
            "settling_minutes >= 0",
            name=op.f("ck_slot_configurations_settling_minutes"),
        ),
        sa.CheckConstraint(
            "slot_minutes BETWEEN 15 AND 1440",
            name=op.f("ck_slot_configurations_slot_minutes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_configurations")),
        sa.UniqueConstraint("terminal", name=op.f("uq_slot_configurations_terminal")),
    )
    op.create_table(
        "yard_blocks",
        sa.Column("terminal", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("moves_per_hour", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "moves_per_hour >= 0", name=op.f("ck_yard_blocks_moves_per_hour")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_yard_blocks")),
        sa.UniqueConstraint(
            "terminal", "code", name=op.f("uq_yard_blocks_terminal_code")
        ),
    )
    op.create_table(
        "pickup_plans",
        sa.Column("shipment_id", sa.UUID(), nullable=False),
        sa.Column("terminal", sa.String(length=16), nullable=False),
        sa.Column("vessel_call_id", sa.UUID(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum("REQUESTED", "REPAIRED", "IMPROVED", name="plan_reason"),
            nullable=False,
        ),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("optimal", sa.Boolean(), nullable=False),
        sa.Column("total_cost", sa.BigInteger(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column(
            "preferred_windows", postgresql.JSONB(astext_type=sa.Text()), nullable=False
        ),
        sa.Column("berth_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quay_cranes", sa.Integer(), nullable=False),
        sa.Column("moves_per_crane_hour", sa.Integer(), nullable=False),
        sa.Column("stale_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
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
            name=op.f("fk_pickup_plans_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_pickup_plans_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vessel_call_id"],
            ["vessel_calls.id"],
            name=op.f("fk_pickup_plans_vessel_call_id_vessel_calls"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_plans")),
    )
    op.create_index(
        op.f("ix_pickup_plans_organisation_id"),
        "pickup_plans",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pickup_plans_shipment_id"),
        "pickup_plans",
        ["shipment_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pickup_plans_vessel_call_id"),
        "pickup_plans",
        ["vessel_call_id"],
        unique=False,
    )
    op.create_index(
        "uq_pickup_plans_current",
        "pickup_plans",
        ["shipment_id"],
        unique=True,
        postgresql_where="superseded_at IS NULL",
    )
    op.create_table(
        "truck_bookings",
        sa.Column("shipment_id", sa.UUID(), nullable=False),
        sa.Column("container_id", sa.UUID(), nullable=False),
        sa.Column("slot_id", sa.UUID(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("ACTIVE", "CANCELLED", name="booking_status"),
            nullable=False,
        ),
        sa.Column("truck_plate", sa.String(length=16), nullable=True),
        sa.Column("driver_name", sa.String(length=100), nullable=True),
        sa.Column("booked_by_id", sa.UUID(), nullable=True),
        sa.Column("at_risk_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("at_risk_reason", sa.Text(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["container_id"],
            ["containers.id"],
            name=op.f("fk_truck_bookings_container_id_containers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_truck_bookings_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_truck_bookings_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["pickup_slots.id"],
            name=op.f("fk_truck_bookings_slot_id_pickup_slots"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_truck_bookings")),
    )
    op.create_index(
        op.f("ix_truck_bookings_container_id"),
        "truck_bookings",
        ["container_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_truck_bookings_organisation_id"),
        "truck_bookings",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_truck_bookings_shipment_id"),
        "truck_bookings",
        ["shipment_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_truck_bookings_slot_id"), "truck_bookings", ["slot_id"], unique=False
    )
    op.create_index(
        "uq_truck_bookings_active_container",
        "truck_bookings",
        ["container_id"],
        unique=True,
        postgresql_where="status = 'ACTIVE'",
    )
    op.create_table(
        "pickup_plan_items",
        sa.Column("plan_id", sa.UUID(), nullable=False),
        sa.Column("container_id", sa.UUID(), nullable=False),
        sa.Column("slot_id", sa.UUID(), nullable=True),
        sa.Column("booking_id", sa.UUID(), nullable=True),
        sa.Column("booking_at_risk", sa.Boolean(), nullable=False),
        sa.Column("unassigned_reason", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("deviation_minutes", sa.Integer(), nullable=False),
        sa.Column("storage_cost", sa.BigInteger(), nullable=False),
        sa.Column("storage_days", sa.Integer(), nullable=False),
        sa.Column("storage_step_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("storage_step_cost", sa.BigInteger(), nullable=False),
        sa.Column("discharge_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discharge_estimated", sa.Boolean(), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("preferred_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("preferred_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "alternatives", postgresql.JSONB(astext_type=sa.Text()), nullable=False
        ),
        sa.Column("assumed", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("organisation_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["truck_bookings.id"],
            name=op.f("fk_pickup_plan_items_booking_id_truck_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["container_id"],
            ["containers.id"],
            name=op.f("fk_pickup_plan_items_container_id_containers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_pickup_plan_items_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["pickup_plans.id"],
            name=op.f("fk_pickup_plan_items_plan_id_pickup_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["pickup_slots.id"],
            name=op.f("fk_pickup_plan_items_slot_id_pickup_slots"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_plan_items")),
        sa.UniqueConstraint(
            "plan_id",
            "container_id",
            name=op.f("uq_pickup_plan_items_plan_id_container_id"),
        ),
    )
    op.create_index(
        op.f("ix_pickup_plan_items_organisation_id"),
        "pickup_plan_items",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pickup_plan_items_plan_id"),
        "pickup_plan_items",
        ["plan_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("pickup_plan_items")
    op.drop_table("pickup_plans")
    op.drop_table("truck_bookings")
    op.drop_table("pickup_slots")
    op.drop_table("slot_configurations")
    op.drop_table("yard_blocks")
    sa.Enum(name="plan_reason").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="booking_status").drop(op.get_bind(), checkfirst=True)
