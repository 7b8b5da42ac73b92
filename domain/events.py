"""Domain events: written to the outbox in the transaction of the change.

A message is small JSON, ids and a kind (well under PostgreSQL NOTIFY's
8 kB), on a channel that names the object (`shipment:<id>`,
`vessel-call:<id>`, `port:<locode>`, `discharge:<vessel-call-id>`,
`plan:<shipment-id>`). Subscribers reload what they show, through the same
permission checks as queries, so a message never carries data a viewer
might not be allowed to see.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models.outbox import OutboxEvent

PENDING_KEY = "outbox_pending"


def shipment_channel(shipment_id: uuid.UUID) -> str:
    return f"shipment:{shipment_id}"


def vessel_call_channel(call_id: uuid.UUID) -> str:
    return f"vessel-call:{call_id}"


def port_channel(locode: str) -> str:
    return f"port:{locode}"


def discharge_channel(call_id: uuid.UUID) -> str:
    return f"discharge:{call_id}"


def api_key_channel(key_id: uuid.UUID) -> str:
    """Where a key's revocation is announced: sockets it opened close at once."""
    return f"api-key:{key_id}"


def plan_channel(shipment_id: uuid.UUID) -> str:
    return f"plan:{shipment_id}"


def record(session: AsyncSession, channel: str, kind: str, **ids: str) -> None:
    """Queue an event; it is published only if the transaction commits."""
    session.add(OutboxEvent(channel=channel, payload={"kind": kind, **ids}))
    session.info[PENDING_KEY] = True
