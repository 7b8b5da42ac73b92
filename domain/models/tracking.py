"""What the port's systems told us: port call timestamps, container events, feeds.

Events are kept as sent, never only as the current values they add up to: the
timeline is what customers and analytics read, and a later event may retract
an earlier one (DCSA Just-In-Time and Track and Trace).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, Identified, utcnow
from domain.models.common import pg_enum
from domain.ports.terminal import ContainerEventType
from domain.vessel_events import (
    PortCallEventType,
    PortCallService,
    TimestampClassifier,
)


class PortCallTimestampRow(Base, Identified):
    """One DCSA JIT timestamp of a vessel call, as the vessel system sent it."""

    __tablename__ = "port_call_timestamps"

    # Feed order: of two timestamps sent at the same instant the later one wins.
    seq: Mapped[int] = mapped_column(BigInteger, Identity())
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    vessel_call_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vessel_calls.id", ondelete="CASCADE"), index=True
    )
    classifier: Mapped[TimestampClassifier] = mapped_column(
        pg_enum(TimestampClassifier, "timestamp_classifier")
    )
    event_type: Mapped[PortCallEventType] = mapped_column(
        pg_enum(PortCallEventType, "port_call_event_type")
    )
    service: Mapped[PortCallService] = mapped_column(
        pg_enum(PortCallService, "port_call_service")
    )
    event_time: Mapped[datetime]
    sent_at: Mapped[datetime]
    retracts_event_id: Mapped[str | None] = mapped_column(String(64))


class ContainerEventRow(Base, Identified):
    """One DCSA Track and Trace event of a box, whether or not it is in a shipment."""

    __tablename__ = "container_events"

    seq: Mapped[int] = mapped_column(BigInteger, Identity())
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    container_number: Mapped[str] = mapped_column(String(11))
    vessel_call_ref: Mapped[str] = mapped_column(String(64))
    vessel_call_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vessel_calls.id", ondelete="SET NULL")
    )
    event_type: Mapped[ContainerEventType] = mapped_column(
        pg_enum(ContainerEventType, "container_event_type")
    )
    event_time: Mapped[datetime]
    sent_at: Mapped[datetime]
    yard_block: Mapped[str | None] = mapped_column(String(16))
    yard_bay: Mapped[int | None]
    yard_row: Mapped[int | None]
    yard_tier: Mapped[int | None]
    retracts_event_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_container_events_number", "container_number", "seq"),
        Index("ix_container_events_call_type", "vessel_call_id", "event_type"),
    )


class DischargeManifest(Base):
    """How many boxes the terminal's manifest lists for a vessel call."""

    __tablename__ = "discharge_manifests"

    vessel_call_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vessel_calls.id", ondelete="CASCADE"), primary_key=True
    )
    container_count: Mapped[int]
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedCursor(Base):
    """Where the sync of one outside feed stands, and how fresh it is."""

    __tablename__ = "feed_cursors"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(64))
    last_synced_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(default=0)
