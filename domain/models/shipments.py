"""Import service requests, their containers and the timeline of their status."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Sequence,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, OrganisationOwned, utcnow
from domain.models.common import pg_enum
from domain.shipment_status import ShipmentStatus


class ServiceKind(enum.StrEnum):
    """Services an importer asks of the terminal."""

    DISCHARGE = "DISCHARGE"
    STORAGE = "STORAGE"
    LIFT_ON_OFF = "LIFT_ON_OFF"
    PICKUP = "PICKUP"
    DELIVERY = "DELIVERY"
    INSPECTION_HANDLING = "INSPECTION_HANDLING"


class ContainerStatus(enum.StrEnum):
    """Where a box stands, after DCSA Track and Trace events."""

    ON_VESSEL = "ON_VESSEL"
    DISCHARGED = "DISCHARGED"
    IN_YARD = "IN_YARD"
    IN_INSPECTION = "IN_INSPECTION"
    HELD = "HELD"
    RELEASED = "RELEASED"
    AVAILABLE = "AVAILABLE"
    GATED_IN = "GATED_IN"
    GATED_OUT = "GATED_OUT"


SHIPMENT_REFERENCES = Sequence("shipment_reference_seq", start=1)


ACTIVE_BL_NUMBER_INDEX = "uq_shipments_active_bl_number"
ACTIVE_BL_NUMBER_WHERE = (
    "bl_number IS NOT NULL AND status NOT IN ('CANCELLED', 'COMPLETED')"
)


class Shipment(Base, OrganisationOwned):
    """An import service request; it belongs to the consignee's organisation."""

    __tablename__ = "shipments"

    reference: Mapped[str] = mapped_column(String(32), unique=True)
    reference_number: Mapped[int] = mapped_column(
        BigInteger, SHIPMENT_REFERENCES, server_default=SHIPMENT_REFERENCES.next_value()
    )
    filed_by_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[ShipmentStatus] = mapped_column(
        pg_enum(ShipmentStatus, "shipment_status"), default=ShipmentStatus.DRAFT
    )
    bl_number: Mapped[str | None] = mapped_column(String(40))
    vessel_call_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vessel_calls.id", ondelete="RESTRICT"), index=True
    )
    consignee_name: Mapped[str | None] = mapped_column(String(200))
    consignee_npwp: Mapped[str | None] = mapped_column(String(16))
    services: Mapped[list[ServiceKind]] = mapped_column(
        ARRAY(pg_enum(ServiceKind, "service_kind")), default=list
    )
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_shipments_org_created", "organisation_id", "created_at"),
        Index("ix_shipments_bl_number", "bl_number"),
        # One live request per B/L and organisation: a second draft of the
        # same cargo would be paid and planned twice.
        Index(
            ACTIVE_BL_NUMBER_INDEX,
            "organisation_id",
            "bl_number",
            unique=True,
            postgresql_where=text(ACTIVE_BL_NUMBER_WHERE),
        ),
    )


class Container(Base, OrganisationOwned):
    """A box of a shipment, by its ISO 6346 number."""

    __tablename__ = "containers"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(11))
    size_type: Mapped[str] = mapped_column(String(4))
    seal: Mapped[str | None] = mapped_column(String(32))
    packages: Mapped[int | None]
    gross_kg: Mapped[int | None]
    status: Mapped[ContainerStatus] = mapped_column(
        pg_enum(ContainerStatus, "container_status"), default=ContainerStatus.ON_VESSEL
    )
    yard_block: Mapped[str | None] = mapped_column(String(16))
    yard_bay: Mapped[int | None]
    yard_row: Mapped[int | None]
    yard_tier: Mapped[int | None]
    discharged_at: Mapped[datetime | None]
    customs_released_at: Mapped[datetime | None]
    gated_out_at: Mapped[datetime | None]
    # What the invoices charged while the box was still in the yard: storage and
    # reefer power up to `charged_until`, which pays its stay through
    # `storage_paid_through` (the end of the last storage day, or of the last
    # reefer power block when earlier). Null before the first invoice.
    charged_until: Mapped[datetime | None]
    storage_paid_through: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("shipment_id", "number"),
        Index("ix_containers_number", "number"),
        CheckConstraint("number ~ '^[A-Z]{3}[UJZ][0-9]{7}$'", name="iso6346"),
        CheckConstraint("packages IS NULL OR packages >= 0", name="packages"),
        CheckConstraint("gross_kg IS NULL OR gross_kg >= 0", name="gross_kg"),
    )


class ShipmentStatusChange(Base, OrganisationOwned):
    """One step of a request's timeline: who moved it, when and why."""

    __tablename__ = "shipment_status_changes"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ShipmentStatus | None] = mapped_column(
        pg_enum(ShipmentStatus, "shipment_status")
    )
    to_status: Mapped[ShipmentStatus] = mapped_column(
        pg_enum(ShipmentStatus, "shipment_status")
    )
    actor_id: Mapped[uuid.UUID | None]
    actor_kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
