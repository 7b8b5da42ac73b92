"""journey core: vessels, vessel calls, shipments, containers, outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 16:47:45.195289
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("shipment_reference_seq")))
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("channel", sa.String(length=120), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    op.create_index(
        "ix_outbox_events_unpublished",
        "outbox_events",
        ["id"],
        unique=False,
        postgresql_where="published_at IS NULL",
    )
    op.create_table(
        "vessels",
        sa.Column("imo", sa.String(length=7), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("call_sign", sa.String(length=16), nullable=True),
        sa.Column("flag", sa.String(length=2), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("imo ~ '^[0-9]{7}$'", name=op.f("ck_vessels_imo_digits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vessels")),
        sa.UniqueConstraint("imo", name=op.f("uq_vessels_imo")),
    )
    op.create_table(
        "vessel_calls",
        sa.Column("external_ref", sa.String(length=64), nullable=False),
        sa.Column("vessel_id", sa.UUID(), nullable=False),
        sa.Column("voyage", sa.String(length=32), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("terminal", sa.String(length=16), nullable=False),
        sa.Column("berth", sa.String(length=16), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "EXPECTED",
                "AT_ANCHORAGE",
                "BERTHED",
                "DISCHARGING",
                "COMPLETED",
                "DEPARTED",
                name="vessel_call_status",
            ),
            nullable=False,
        ),
        sa.Column("eta", sa.DateTime(timezone=True), nullable=True),
        sa.Column("etb", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ata", sa.DateTime(timezone=True), nullable=True),
        sa.Column("atb", sa.DateTime(timezone=True), nullable=True),
        sa.Column("etd", sa.DateTime(timezone=True), nullable=True),
        sa.Column("atd", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cargo_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cargo_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "port ~ '^[A-Z]{2}[A-Z2-9]{3}$'", name=op.f("ck_vessel_calls_port_locode")
        ),
        sa.ForeignKeyConstraint(
            ["vessel_id"],
            ["vessels.id"],
            name=op.f("fk_vessel_calls_vessel_id_vessels"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vessel_calls")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_vessel_calls_external_ref")),
    )
    op.create_index(
        "ix_vessel_calls_port_eta", "vessel_calls", ["port", "eta"], unique=False
    )
    op.create_index(
        op.f("ix_vessel_calls_vessel_id"), "vessel_calls", ["vessel_id"], unique=False
    )
    op.create_table(
        "shipments",
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column(
            "reference_number",
            sa.BigInteger(),
            server_default=sa.text("nextval('shipment_reference_seq')"),
            nullable=False,
        ),
        sa.Column("filed_by_organisation_id", sa.UUID(), nullable=False),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "DRAFT",
                "SUBMITTED",
                "IN_VERIFICATION",
                "VERIFIED",
                "REJECTED",
                "AWAITING_PAYMENT",
                "IN_SERVICE",
                "READY_FOR_PICKUP",
                "COMPLETED",
                "CANCELLED",
                name="shipment_status",
            ),
            nullable=False,
        ),
        sa.Column("bl_number", sa.String(length=40), nullable=True),
        sa.Column("vessel_call_id", sa.UUID(), nullable=True),
        sa.Column("consignee_name", sa.String(length=200), nullable=True),
        sa.Column("consignee_npwp", sa.String(length=16), nullable=True),
        sa.Column(
            "services",
            postgresql.ARRAY(
                sa.Enum(
                    "DISCHARGE",
                    "STORAGE",
                    "LIFT_ON_OFF",
                    "PICKUP",
                    "DELIVERY",
                    "INSPECTION_HANDLING",
                    name="service_kind",
                )
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
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
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_shipments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_shipments_filed_by_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_shipments_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vessel_call_id"],
            ["vessel_calls.id"],
            name=op.f("fk_shipments_vessel_call_id_vessel_calls"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("reference", name=op.f("uq_shipments_reference")),
    )
    op.create_index("ix_shipments_bl_number", "shipments", ["bl_number"], unique=False)
    op.create_index(
        "ix_shipments_org_created",
        "shipments",
        ["organisation_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shipments_organisation_id"),
        "shipments",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shipments_vessel_call_id"),
        "shipments",
        ["vessel_call_id"],
        unique=False,
    )
    op.create_table(
        "containers",
        sa.Column("shipment_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.String(length=11), nullable=False),
        sa.Column("size_type", sa.String(length=4), nullable=False),
        sa.Column("seal", sa.String(length=32), nullable=True),
        sa.Column("packages", sa.Integer(), nullable=True),
        sa.Column("gross_kg", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "ON_VESSEL",
                "DISCHARGED",
                "IN_YARD",
                "IN_INSPECTION",
                "HELD",
                "RELEASED",
                "AVAILABLE",
                "GATED_IN",
                "GATED_OUT",
                name="container_status",
            ),
            nullable=False,
        ),
        sa.Column("yard_block", sa.String(length=16), nullable=True),
        sa.Column("yard_bay", sa.Integer(), nullable=True),
        sa.Column("yard_row", sa.Integer(), nullable=True),
        sa.Column("yard_tier", sa.Integer(), nullable=True),
        sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("customs_released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gated_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "number ~ '^[A-Z]{3}[UJZ][0-9]{7}$'", name=op.f("ck_containers_iso6346")
        ),
        sa.CheckConstraint(
            "gross_kg IS NULL OR gross_kg >= 0", name=op.f("ck_containers_gross_kg")
        ),
        sa.CheckConstraint(
            "packages IS NULL OR packages >= 0", name=op.f("ck_containers_packages")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_containers_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_containers_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_containers")),
        sa.UniqueConstraint(
            "shipment_id", "number", name=op.f("uq_containers_shipment_id_number")
        ),
    )
    op.create_index("ix_containers_number", "containers", ["number"], unique=False)
    op.create_index(
        op.f("ix_containers_organisation_id"),
        "containers",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_containers_shipment_id"), "containers", ["shipment_id"], unique=False
    )
    op.create_table(
        "shipment_status_changes",
        sa.Column("shipment_id", sa.UUID(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "DRAFT",
                "SUBMITTED",
                "IN_VERIFICATION",
                "VERIFIED",
                "REJECTED",
                "AWAITING_PAYMENT",
                "IN_SERVICE",
                "READY_FOR_PICKUP",
                "COMPLETED",
                "CANCELLED",
                name="shipment_status",
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "DRAFT",
                "SUBMITTED",
                "IN_VERIFICATION",
                "VERIFIED",
                "REJECTED",
                "AWAITING_PAYMENT",
                "IN_SERVICE",
                "READY_FOR_PICKUP",
                "COMPLETED",
                "CANCELLED",
                name="shipment_status",
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.UUID(), nullable=True),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
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
            name=op.f("fk_shipment_status_changes_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_status_changes_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_status_changes")),
    )
    op.create_index(
        op.f("ix_shipment_status_changes_organisation_id"),
        "shipment_status_changes",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shipment_status_changes_shipment_id"),
        "shipment_status_changes",
        ["shipment_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_shipment_status_changes_shipment_id"),
        table_name="shipment_status_changes",
    )
    op.drop_index(
        op.f("ix_shipment_status_changes_organisation_id"),
        table_name="shipment_status_changes",
    )
    op.drop_table("shipment_status_changes")
    op.drop_index(op.f("ix_containers_shipment_id"), table_name="containers")
    op.drop_index(op.f("ix_containers_organisation_id"), table_name="containers")
    op.drop_index("ix_containers_number", table_name="containers")
    op.drop_table("containers")
    op.drop_index(op.f("ix_shipments_vessel_call_id"), table_name="shipments")
    op.drop_index(op.f("ix_shipments_organisation_id"), table_name="shipments")
    op.drop_index("ix_shipments_org_created", table_name="shipments")
    op.drop_index("ix_shipments_bl_number", table_name="shipments")
    op.drop_table("shipments")
    op.drop_index(op.f("ix_vessel_calls_vessel_id"), table_name="vessel_calls")
    op.drop_index("ix_vessel_calls_port_eta", table_name="vessel_calls")
    op.drop_table("vessel_calls")
    op.drop_table("vessels")
    op.execute(sa.schema.DropSequence(sa.Sequence("shipment_reference_seq")))
    op.drop_index(
        "ix_outbox_events_unpublished",
        table_name="outbox_events",
        postgresql_where="published_at IS NULL",
    )
    op.drop_table("outbox_events")
