"""Pickup scheduling: yard blocks, slots with quotas, truck bookings and plans.

Slots, yard blocks and a terminal's slot configuration are public terminal
data; bookings and plans belong to the consignee's organisation.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, Identified, OrganisationOwned, utcnow
from domain.models.common import pg_enum


class YardBlock(Base, Identified):
    """A yard block of a terminal and the pickup moves its cranes make per hour."""

    __tablename__ = "yard_blocks"

    terminal: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(16))
    moves_per_hour: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("terminal", "code"),
        CheckConstraint("moves_per_hour >= 0", name="moves_per_hour"),
    )


class SlotConfiguration(Base, Identified):
    """How a terminal cuts pickup time into slots, and its planning parameters.

    `quay_cranes` and `moves_per_crane_hour` estimate discharge from berthing;
    `settling_minutes` is the time a discharged box needs before pickup.
    """

    __tablename__ = "slot_configurations"

    terminal: Mapped[str] = mapped_column(String(16), unique=True)
    slot_minutes: Mapped[int]
    default_quota: Mapped[int]
    quay_cranes: Mapped[int] = mapped_column(default=3)
    moves_per_crane_hour: Mapped[int] = mapped_column(default=25)
    settling_minutes: Mapped[int] = mapped_column(default=60)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("slot_minutes BETWEEN 15 AND 1440", name="slot_minutes"),
        CheckConstraint("default_quota >= 0", name="default_quota"),
        CheckConstraint("quay_cranes >= 1", name="quay_cranes"),
        CheckConstraint("moves_per_crane_hour >= 1", name="moves_per_crane_hour"),
        CheckConstraint("settling_minutes >= 0", name="settling_minutes"),
    )


class PickupSlot(Base, Identified):
    """A pickup window [starts_at, ends_at) at a terminal with a quota of trucks.

    `booked` counts active bookings; it only rises through a conditional
    UPDATE (booked < quota), so concurrent bookings never pass the quota. A
    quota lowered below `booked` keeps the bookings and admits no new one.
    """

    __tablename__ = "pickup_slots"

    terminal: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    quota: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("terminal", "starts_at"),
        CheckConstraint("quota >= 0", name="quota"),
        CheckConstraint("booked >= 0", name="booked"),
        CheckConstraint("ends_at > starts_at", name="window"),
    )


class BookingStatus(enum.StrEnum):
    """Whether a truck booking holds its slot."""

    ACTIVE = "ACTIVE"
    CANCELLED = "CANCELLED"


class TruckBooking(Base, OrganisationOwned):
    """A truck booked to pick up one container in one slot."""

    __tablename__ = "truck_bookings"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    container_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("containers.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pickup_slots.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[BookingStatus] = mapped_column(
        pg_enum(BookingStatus, "booking_status"), default=BookingStatus.ACTIVE
    )
    truck_plate: Mapped[str | None] = mapped_column(String(16))
    driver_name: Mapped[str | None] = mapped_column(String(100))
    booked_by_id: Mapped[uuid.UUID | None]
    at_risk_since: Mapped[datetime | None]
    at_risk_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # One active booking per container: the database refuses a second.
        Index(
            "uq_truck_bookings_active_container",
            "container_id",
            unique=True,
            postgresql_where="status = 'ACTIVE'",
        ),
    )


class PlanReason(enum.StrEnum):
    """Why a plan version was made."""

    REQUESTED = "REQUESTED"
    REPAIRED = "REPAIRED"
    IMPROVED = "IMPROVED"


class PickupPlan(Base, OrganisationOwned):
    """One version of a shipment's recommended pickup schedule.

    The current version has `superseded_at` NULL; `stale_since` marks it for
    the replanner after an event changed a ready time or a capacity.
    """

    __tablename__ = "pickup_plans"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    terminal: Mapped[str] = mapped_column(String(16))
    vessel_call_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vessel_calls.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int]
    reason: Mapped[PlanReason] = mapped_column(pg_enum(PlanReason, "plan_reason"))
    method: Mapped[str] = mapped_column(String(16))
    optimal: Mapped[bool]
    total_cost: Mapped[int] = mapped_column(BigInteger)
    moved: Mapped[int] = mapped_column(default=0)
    preferred_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    berth_at: Mapped[datetime | None]
    quay_cranes: Mapped[int]
    moves_per_crane_hour: Mapped[int]
    stale_since: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_pickup_plans_current",
            "shipment_id",
            unique=True,
            postgresql_where="superseded_at IS NULL",
        ),
    )


class PickupPlanItem(Base, OrganisationOwned):
    """One container's line of a plan: its slot and why, or why it has none.

    Times are when the plan was made; `alternatives` lists the next-best
    slots as {slot_id, cost, deviation_minutes, storage_cost, full};
    `assumed` names release conditions with no known time, taken as met.
    """

    __tablename__ = "pickup_plan_items"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pickup_plans.id", ondelete="CASCADE"), index=True
    )
    container_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("containers.id", ondelete="CASCADE")
    )
    slot_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pickup_slots.id", ondelete="SET NULL")
    )
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("truck_bookings.id", ondelete="SET NULL")
    )
    booking_at_risk: Mapped[bool] = mapped_column(default=False)
    unassigned_reason: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    cost: Mapped[int] = mapped_column(BigInteger, default=0)
    deviation_minutes: Mapped[int] = mapped_column(default=0)
    storage_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    storage_days: Mapped[int] = mapped_column(default=0)
    storage_step_at: Mapped[datetime | None]
    storage_step_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    discharge_at: Mapped[datetime | None]
    discharge_estimated: Mapped[bool] = mapped_column(default=True)
    ready_at: Mapped[datetime | None]
    latest_at: Mapped[datetime | None]
    preferred_from: Mapped[datetime | None]
    preferred_to: Mapped[datetime | None]
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    assumed: Mapped[list[str]] = mapped_column(JSONB, default=list)

    __table_args__ = (UniqueConstraint("plan_id", "container_id"),)
