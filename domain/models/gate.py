"""Gate passes, the gate events recorded against them, and terminal deliveries."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, OrganisationOwned, utcnow
from domain.models.billing import AMOUNT
from domain.models.common import pg_enum


class GatePassStatus(enum.StrEnum):
    """Where a gate pass stands: issued, truck inside, box out, lapsed or void.

    EXPIRED: the slot and its grace passed and no truck came (a no-show on
    the trucker's side). CANCELLED: its booking was cancelled or moved to
    another slot before the truck came.
    """

    ISSUED = "ISSUED"
    IN_TERMINAL = "IN_TERMINAL"
    COMPLETED = "COMPLETED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


class GateEventKind(enum.StrEnum):
    """A truck passing the gate (DCSA Track and Trace GTIN and GTOT)."""

    GATE_IN = "GATE_IN"
    GATE_OUT = "GATE_OUT"


class Punctuality(enum.StrEnum):
    """A truck's arrival against its booked slot, within the grace period."""

    EARLY = "EARLY"
    ON_TIME = "ON_TIME"
    LATE = "LATE"


class GatePass(Base, OrganisationOwned):
    """Leave for one truck to collect one container in its booked slot.

    The slot window is copied from the booking at issue, so the gate checks
    the pass against what was promised; `token_id` is the signed token's
    unique id, which the gate events use to refuse a reused token.
    """

    __tablename__ = "gate_passes"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="RESTRICT"), index=True
    )
    container_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("containers.id", ondelete="RESTRICT"), index=True
    )
    container_number: Mapped[str] = mapped_column(String(11))
    booking_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    terminal: Mapped[str] = mapped_column(String(16))
    slot_starts_at: Mapped[datetime]
    slot_ends_at: Mapped[datetime]
    truck_plate: Mapped[str] = mapped_column(String(16))
    driver_name: Mapped[str | None] = mapped_column(String(100))
    token_id: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[GatePassStatus] = mapped_column(
        pg_enum(GatePassStatus, "gate_pass_status"), default=GatePassStatus.ISSUED
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    gated_in_at: Mapped[datetime | None]
    gated_out_at: Mapped[datetime | None]
    requested_by_id: Mapped[uuid.UUID | None]

    __table_args__ = (
        # One live pass per container: the database refuses a second.
        Index(
            "uq_gate_passes_live_container",
            "container_id",
            unique=True,
            postgresql_where="status IN ('ISSUED', 'IN_TERMINAL')",
        ),
        Index("ix_gate_passes_org_slot", "organisation_id", "slot_starts_at"),
    )


class GateEvent(Base, OrganisationOwned):
    """A truck at the gate: a two-way record of both sides' service.

    On gate-in the trucker's side: `punctuality` and `minutes_late` against
    the slot. On gate-out the terminal's side: `turnaround_minutes` from
    gate-in and whether it met the service level.
    """

    __tablename__ = "gate_events"

    gate_pass_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gate_passes.id", ondelete="CASCADE")
    )
    container_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("containers.id", ondelete="RESTRICT")
    )
    kind: Mapped[GateEventKind] = mapped_column(
        pg_enum(GateEventKind, "gate_event_kind")
    )
    at: Mapped[datetime]
    truck_plate: Mapped[str] = mapped_column(String(16))
    punctuality: Mapped[Punctuality | None] = mapped_column(
        pg_enum(Punctuality, "punctuality")
    )
    minutes_late: Mapped[int | None]
    turnaround_minutes: Mapped[int | None]
    within_service_level: Mapped[bool | None]
    recorded_by_id: Mapped[uuid.UUID | None]

    __table_args__ = (
        # A token opens the gate once each way: a reused token finds its row.
        Index("uq_gate_events_pass_kind", "gate_pass_id", "kind", unique=True),
        Index("ix_gate_events_org_at", "organisation_id", "at"),
    )


class DeliveryStatus(enum.StrEnum):
    """Whether a delivery order to the terminal stands."""

    REQUESTED = "REQUESTED"
    CANCELLED = "CANCELLED"


class Delivery(Base, OrganisationOwned):
    """Terminal trucking of a shipment's containers to an address in a window."""

    __tablename__ = "deliveries"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="RESTRICT"), index=True
    )
    container_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    address: Mapped[str] = mapped_column(Text)
    zone: Mapped[str] = mapped_column(String(32))
    window_from: Mapped[datetime]
    window_to: Mapped[datetime]
    status: Mapped[DeliveryStatus] = mapped_column(
        pg_enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.REQUESTED
    )
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    currency: Mapped[str] = mapped_column(String(3))
    requested_by_id: Mapped[uuid.UUID | None]

    __table_args__ = (
        CheckConstraint("window_to > window_from", name="window"),
        CheckConstraint("amount >= 0", name="amount"),
    )
