"""Vessels and their calls at our port, as the vessel management system reports them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.models.base import Base, Identified, utcnow
from domain.models.common import pg_enum
from domain.vessel_events import VesselCallStatus


class Vessel(Base, Identified):
    """A ship, known by its IMO number (7 digits with a check digit)."""

    __tablename__ = "vessels"

    imo: Mapped[str] = mapped_column(String(7), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    call_sign: Mapped[str | None] = mapped_column(String(16))
    flag: Mapped[str | None] = mapped_column(String(2))

    __table_args__ = (CheckConstraint("imo ~ '^[0-9]{7}$'", name="imo_digits"),)


class VesselCall(Base, Identified):
    """One visit of a vessel to a terminal; its times derive from DCSA events.

    Vessel calls are public schedule data: every signed-in viewer may read
    them, as on a port's published berthing schedule.
    """

    __tablename__ = "vessel_calls"

    external_ref: Mapped[str] = mapped_column(String(64), unique=True)
    vessel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vessels.id", ondelete="RESTRICT"), index=True
    )
    voyage: Mapped[str] = mapped_column(String(32))
    port: Mapped[str] = mapped_column(String(5))
    terminal: Mapped[str] = mapped_column(String(16))
    berth: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[VesselCallStatus] = mapped_column(
        pg_enum(VesselCallStatus, "vessel_call_status"),
        default=VesselCallStatus.EXPECTED,
    )
    eta: Mapped[datetime | None]
    etb: Mapped[datetime | None]
    ata: Mapped[datetime | None]
    atb: Mapped[datetime | None]
    etd: Mapped[datetime | None]
    atd: Mapped[datetime | None]
    cargo_started_at: Mapped[datetime | None]
    cargo_completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    vessel: Mapped[Vessel] = relationship(lazy="raise")

    __table_args__ = (
        CheckConstraint("port ~ '^[A-Z]{2}[A-Z2-9]{3}$'", name="port_locode"),
        Index("ix_vessel_calls_port_eta", "port", "eta"),
    )
