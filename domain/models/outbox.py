"""Events written in the transaction of the change, relayed after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, utcnow


class OutboxEvent(Base):
    """A small JSON message (ids and kind) for one broadcaster channel."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    channel: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "ix_outbox_events_unpublished",
            "id",
            postgresql_where="published_at IS NULL",
        ),
    )
