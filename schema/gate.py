"""Gate passes, gate events and terminal deliveries, as the API shows them."""

from __future__ import annotations

import base64
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Self

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain import gate_tokens
from domain.models import gate as models
from domain.services.gate import status_at, token_of
from schema.billing import money
from schema.context import Info
from schema.relay import load_nodes
from schema.scalars import Money

strawberry.enum(
    models.GatePassStatus,
    description="ISSUED; IN_TERMINAL (truck in); COMPLETED (box out); EXPIRED "
    "(slot and grace passed unused: a no-show); CANCELLED (its booking was "
    "cancelled or moved to another slot).",
)
strawberry.enum(models.GateEventKind, description="A truck in or out of the gate.")
strawberry.enum(models.Punctuality, description="Arrival against the booked slot.")
strawberry.enum(models.DeliveryStatus, description="Whether a delivery stands.")
GatePassStatus = models.GatePassStatus
GateEventKind = models.GateEventKind
Punctuality = models.Punctuality
DeliveryStatus = models.DeliveryStatus


def gate_key(info: Info) -> bytes:
    return gate_tokens.gate_key(info.context.services.signing_key)


@strawberry.type(description="A truck at the gate: both sides' service recorded.")
class GateEvent:
    kind: GateEventKind = strawberry.field(description="In or out.")
    at: datetime = strawberry.field(description="When the truck passed.")
    truck_plate: str = strawberry.field(description="The plate seen at the gate.")
    punctuality: Punctuality | None = strawberry.field(
        description="On gate-in: early, on time or late against the slot."
    )
    minutes_late: int | None = strawberry.field(
        description="On gate-in: minutes after the slot closed (0 if not late)."
    )
    turnaround_minutes: int | None = strawberry.field(
        description="On gate-out: minutes since gate-in."
    )
    within_service_level: bool | None = strawberry.field(
        description="On gate-out: whether the turnaround met the 125-minute level."
    )

    @classmethod
    def from_model(cls, row: models.GateEvent) -> Self:
        return cls(
            kind=row.kind,
            at=row.at,
            truck_plate=row.truck_plate,
            punctuality=row.punctuality,
            minutes_late=row.minutes_late,
            turnaround_minutes=row.turnaround_minutes,
            within_service_level=row.within_service_level,
        )


@strawberry.type(description="Leave for one truck to collect one box in its slot.")
class GatePass(relay.Node):
    id: relay.NodeID[str]
    container_number: str = strawberry.field(description="The box, ISO 6346.")
    truck_plate: str = strawberry.field(description="The truck let through.")
    driver_name: str | None = strawberry.field(description="The driver, if named.")
    terminal: str = strawberry.field(description="The terminal of the slot.")
    slot_starts_at: datetime = strawberry.field(description="The slot opens.")
    slot_ends_at: datetime = strawberry.field(description="The slot closes.")
    expires_at: datetime = strawberry.field(
        description="The slot's end plus the grace period."
    )
    status: GatePassStatus = strawberry.field(
        description="Where the pass stands: EXPIRED as soon as its slot and "
        "grace passed with no gate-in; CANCELLED when its booking was cancelled "
        "or rescheduled (the token names the old slot), so request a new pass."
    )
    issued_at: datetime = strawberry.field(description="When it was issued.")
    gated_in_at: datetime | None = strawberry.field(description="Truck in.")
    gated_out_at: datetime | None = strawberry.field(description="Truck and box out.")
    row: strawberry.Private[models.GatePass]

    @strawberry.field(
        description="The signed token a gate verifies offline (GP1.<claims>.<mac>)."
    )
    def token(self, info: Info) -> str:
        return token_of(gate_key(info), self.row)

    @strawberry.field(description="A QR code of the token: a PNG, base64-encoded.")
    def qr_code_png(self, info: Info) -> str:
        png = gate_tokens.qr_png(token_of(gate_key(info), self.row))
        return base64.b64encode(png).decode()

    @strawberry.field(description="What happened at the gate, in order.")
    async def events(self, info: Info) -> list[GateEvent]:
        rows = await info.context.loaders.batched("gate_events", _events_of).load(
            self.row.id
        )
        return [GateEvent.from_model(r) for r in rows]

    @classmethod
    def from_model(cls, row: models.GatePass) -> Self:
        return cls(
            id=str(row.id),
            container_number=row.container_number,
            truck_plate=row.truck_plate,
            driver_name=row.driver_name,
            terminal=row.terminal,
            slot_starts_at=row.slot_starts_at,
            slot_ends_at=row.slot_ends_at,
            expires_at=row.expires_at,
            status=status_at(row, datetime.now(UTC)),
            issued_at=row.issued_at,
            gated_in_at=row.gated_in_at,
            gated_out_at=row.gated_out_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info, models.GatePass, node_ids, cls.from_model)


@strawberry.type(description="Terminal trucking of boxes to an address in a window.")
class Delivery:
    id: strawberry.ID = strawberry.field(description="The delivery's id.")
    address: str = strawberry.field(description="Where the boxes go.")
    zone: str = strawberry.field(description="The tariff's delivery zone.")
    window_from: datetime = strawberry.field(description="Earliest arrival.")
    window_to: datetime = strawberry.field(description="Latest arrival.")
    status: DeliveryStatus = strawberry.field(description="Whether it stands.")
    price: Money = strawberry.field(description="The tariff price for all boxes.")
    container_count: int = strawberry.field(description="How many boxes go.")

    @classmethod
    def from_model(cls, row: models.Delivery) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            address=row.address,
            zone=row.zone,
            window_from=row.window_from,
            window_to=row.window_to,
            status=row.status,
            price=money(row.amount, row.currency),
            container_count=len(row.container_ids),
        )


async def _events_of(
    session: AsyncSession, pass_ids: Sequence[uuid.UUID]
) -> list[list[models.GateEvent]]:
    rows = await session.scalars(
        select(models.GateEvent)
        .where(models.GateEvent.gate_pass_id.in_(pass_ids))
        .order_by(models.GateEvent.at)
    )
    grouped: dict[uuid.UUID, list[models.GateEvent]] = defaultdict(list)
    for row in rows:
        grouped[row.gate_pass_id].append(row)
    return [grouped.get(i, []) for i in pass_ids]
