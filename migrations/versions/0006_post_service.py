"""post-service: tariff versions, invoices, gate passes, gate events, deliveries

Revision ID: 0006_post_service
Revises: 0002
Create Date: 2026-12-03 17:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_post_service"
down_revision = "0002"
branch_labels = ("post_service",)
depends_on = None

ENUMS = (
    "delivery_status",
    "gate_pass_status",
    "gate_event_kind",
    "punctuality",
    "invoice_status",
    "service_code",
)


def upgrade() -> None:
    op.create_table(
        "invoice_number_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_invoice_number_counters")),
    )
    op.create_table(
        "tariff_versions",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("rates", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from",
            name=op.f("ck_tariff_versions_validity_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_versions")),
        sa.UniqueConstraint("code", name=op.f("uq_tariff_versions_code")),
    )
    op.create_index(
        "ix_tariff_versions_port_from",
        "tariff_versions",
        ["port", "valid_from"],
        unique=False,
    )
    op.create_table(
        "deliveries",
        sa.Column("shipment_id", sa.UUID(), nullable=False),
        sa.Column("container_ids", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=False),
        sa.Column("window_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("REQUESTED", "CANCELLED", name="delivery_status"),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("requested_by_id", sa.UUID(), nullable=True),
        sa.Column("organisation_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_deliveries_amount")),
        sa.CheckConstraint(
            "window_to > window_from", name=op.f("ck_deliveries_window")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_deliveries_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_deliveries_shipment_id_shipments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    op.create_index(
        op.f("ix_deliveries_organisation_id"),
        "deliveries",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_deliveries_shipment_id"), "deliveries", ["shipment_id"], unique=False
    )
    op.create_table(
        "invoices",
        sa.Column("shipment_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "status", sa.Enum("ISSUED", "PAID", name="invoice_status"), nullable=False
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("charged_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tariff_version_id", sa.UUID(), nullable=False),
        sa.Column("tariff_code", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("tax_base", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("vat", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("initial_payment", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("balance_due", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("paid_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by_id", sa.UUID(), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=True),
        sa.Column("customer_npwp", sa.String(length=16), nullable=True),
        sa.Column("organisation_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("sequence > 0", name=op.f("ck_invoices_sequence_positive")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_invoices_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_invoices_shipment_id_shipments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tariff_version_id"],
            ["tariff_versions.id"],
            name=op.f("fk_invoices_tariff_version_id_tariff_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint("shipment_id", name=op.f("uq_invoices_shipment_id")),
        sa.UniqueConstraint("year", "sequence", name=op.f("uq_invoices_year_sequence")),
    )
    op.create_index(
        "ix_invoices_org_issued",
        "invoices",
        ["organisation_id", "issued_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_invoices_organisation_id"),
        "invoices",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "gate_passes",
        sa.Column("shipment_id", sa.UUID(), nullable=False),
        sa.Column("container_id", sa.UUID(), nullable=False),
        sa.Column("container_number", sa.String(length=11), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("terminal", sa.String(length=16), nullable=False),
        sa.Column("slot_starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("truck_plate", sa.String(length=16), nullable=False),
        sa.Column("driver_name", sa.String(length=100), nullable=True),
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "ISSUED",
                "IN_TERMINAL",
                "COMPLETED",
                "CANCELLED",
                name="gate_pass_status",
            ),
            nullable=False,
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gated_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gated_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by_id", sa.UUID(), nullable=True),
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
            name=op.f("fk_gate_passes_container_id_containers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_gate_passes_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_gate_passes_shipment_id_shipments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_passes")),
        sa.UniqueConstraint("token_id", name=op.f("uq_gate_passes_token_id")),
    )
    op.create_index(
        op.f("ix_gate_passes_booking_id"), "gate_passes", ["booking_id"], unique=False
    )
    op.create_index(
        op.f("ix_gate_passes_container_id"),
        "gate_passes",
        ["container_id"],
        unique=False,
    )
    op.create_index(
        "ix_gate_passes_org_slot",
        "gate_passes",
        ["organisation_id", "slot_starts_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_gate_passes_organisation_id"),
        "gate_passes",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_gate_passes_shipment_id"), "gate_passes", ["shipment_id"], unique=False
    )
    op.create_index(
        "uq_gate_passes_live_container",
        "gate_passes",
        ["container_id"],
        unique=True,
        postgresql_where="status IN ('ISSUED', 'IN_TERMINAL')",
    )
    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "service",
            sa.Enum(
                "LIFT_ON_OFF",
                "STORAGE",
                "INSPECTION",
                "REEFER_POWER",
                "ADMIN_FEE",
                "DELIVERY",
                name="service_code",
            ),
            nullable=False,
        ),
        sa.Column("container_number", sa.String(length=11), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_invoice_lines_quantity")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_invoice_lines_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
        sa.UniqueConstraint(
            "invoice_id", "position", name=op.f("uq_invoice_lines_invoice_id_position")
        ),
    )
    op.create_index(
        op.f("ix_invoice_lines_organisation_id"),
        "invoice_lines",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        "ix_invoice_lines_service", "invoice_lines", ["service"], unique=False
    )
    op.create_table(
        "gate_events",
        sa.Column("gate_pass_id", sa.UUID(), nullable=False),
        sa.Column("container_id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("GATE_IN", "GATE_OUT", name="gate_event_kind"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("truck_plate", sa.String(length=16), nullable=False),
        sa.Column(
            "punctuality",
            sa.Enum("EARLY", "ON_TIME", "LATE", name="punctuality"),
            nullable=True,
        ),
        sa.Column("minutes_late", sa.Integer(), nullable=True),
        sa.Column("turnaround_minutes", sa.Integer(), nullable=True),
        sa.Column("within_service_level", sa.Boolean(), nullable=True),
        sa.Column("recorded_by_id", sa.UUID(), nullable=True),
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
            name=op.f("fk_gate_events_container_id_containers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["gate_pass_id"],
            ["gate_passes.id"],
            name=op.f("fk_gate_events_gate_pass_id_gate_passes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_gate_events_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_events")),
    )
    op.create_index(
        "ix_gate_events_org_at", "gate_events", ["organisation_id", "at"], unique=False
    )
    op.create_index(
        op.f("ix_gate_events_organisation_id"),
        "gate_events",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        "uq_gate_events_pass_kind", "gate_events", ["gate_pass_id", "kind"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_gate_events_pass_kind", table_name="gate_events")
    op.drop_index(op.f("ix_gate_events_organisation_id"), table_name="gate_events")
    op.drop_index("ix_gate_events_org_at", table_name="gate_events")
    op.drop_table("gate_events")
    op.drop_index("ix_invoice_lines_service", table_name="invoice_lines")
    op.drop_index(op.f("ix_invoice_lines_organisation_id"), table_name="invoice_lines")
    op.drop_table("invoice_lines")
    op.drop_index(
        "uq_gate_passes_live_container",
        table_name="gate_passes",
        postgresql_where="status IN ('ISSUED', 'IN_TERMINAL')",
    )
    op.drop_index(op.f("ix_gate_passes_shipment_id"), table_name="gate_passes")
    op.drop_index(op.f("ix_gate_passes_organisation_id"), table_name="gate_passes")
    op.drop_index("ix_gate_passes_org_slot", table_name="gate_passes")
    op.drop_index(op.f("ix_gate_passes_container_id"), table_name="gate_passes")
    op.drop_index(op.f("ix_gate_passes_booking_id"), table_name="gate_passes")
    op.drop_table("gate_passes")
    op.drop_index(op.f("ix_invoices_organisation_id"), table_name="invoices")
    op.drop_index("ix_invoices_org_issued", table_name="invoices")
    op.drop_table("invoices")
    op.drop_index(op.f("ix_deliveries_shipment_id"), table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_organisation_id"), table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_tariff_versions_port_from", table_name="tariff_versions")
    op.drop_table("tariff_versions")
    op.drop_table("invoice_number_counters")

    for name in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS {name}")
