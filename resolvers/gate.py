"""Root fields of the gate: gate passes, gate events and terminal deliveries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.models import gate as models
from domain.services import delivery, gate, gate_events
from domain.tariff import DEFAULT_ZONE
from domain.viewer import Viewer
from resolvers.transaction import run_use_case
from schema.context import Info
from schema.errors import USER_ERRORS, UserError
from schema.gate import Delivery, GateEvent, GateEventKind, GatePass, GatePassStatus
from schema.gate import gate_key as key_of
from schema.permissions import IsAuthenticated, IsOperator
from schema.relay import Connection, SentID, paginate, parse_global_id


def id_of(value: strawberry.ID | None) -> uuid.UUID | None:
    """A UUID from a global id of any type, or from a plain UUID string."""
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        pass
    try:
        return parse_global_id(relay.GlobalID.from_id(str(value)))
    except (ValueError, TypeError):
        return uuid.UUID(int=0)


@strawberry.input(description="Which gate passes to list.")
class GatePassFilter:
    shipment_id: SentID | None = strawberry.field(
        default=None, description="Only this shipment's passes."
    )
    status: GatePassStatus | None = strawberry.field(
        default=None,
        description="Only passes in this status, as `GatePass.status` shows it "
        "(EXPIRED includes unused passes whose grace has just passed).",
    )


@strawberry.input(description="A box (by id or ISO 6346 number) and its booking.")
class RequestGatePassInput:
    booking_id: strawberry.ID = strawberry.field(description="The truck booking.")
    container_id: strawberry.ID | None = strawberry.field(
        default=None, description="The container's id."
    )
    container_number: str | None = strawberry.field(
        default=None, description="Or its ISO 6346 number."
    )
    truck_plate: str | None = strawberry.field(
        default=None, description="The truck; defaults to the booking's."
    )
    driver_name: str | None = strawberry.field(
        default=None, description="The driver; defaults to the booking's."
    )


@strawberry.type(description="The gate pass issued.")
class RequestGatePassPayload:
    gate_pass: GatePass | None = strawberry.field(description="The pass.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="A gate's reading of a token as a truck passes.")
class RecordGateEventInput:
    token: str = strawberry.field(description="The gate pass token read.")
    kind: GateEventKind = strawberry.field(description="In or out.")
    truck_plate: str = strawberry.field(description="The plate seen at the lane.")
    at: datetime | None = strawberry.field(
        default=None,
        description="When the truck passed; defaults to now. At most 15 minutes "
        "ahead of the portal's clock and 7 days behind it (a gate that was "
        "offline uploads late), else OUT_OF_RANGE.",
    )


@strawberry.type(description="The event recorded and the pass it used.")
class RecordGateEventPayload:
    gate_event: GateEvent | None = strawberry.field(description="The event.")
    gate_pass: GatePass | None = strawberry.field(description="The pass, updated.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="Boxes of a shipment to deliver, where and when.")
class RequestDeliveryInput:
    shipment_id: SentID = strawberry.field(description="The shipment.")
    container_numbers: list[str] = strawberry.field(
        default_factory=list,
        description="Its boxes by ISO 6346 number (or by id in containerIds).",
    )
    container_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Its boxes by id."
    )
    address: str = strawberry.field(description="Where to deliver.")
    window_from: datetime = strawberry.field(description="Earliest arrival.")
    window_to: datetime = strawberry.field(description="Latest arrival.")
    zone: str = strawberry.field(
        default=DEFAULT_ZONE, description="The tariff's delivery zone."
    )


@strawberry.type(description="The delivery ordered.")
class RequestDeliveryPayload:
    delivery: Delivery | None = strawberry.field(description="The delivery.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class GateQuery:
    @strawberry.field(
        description="Gate passes, newest first, with their gate events.",
        permission_classes=[IsAuthenticated],
    )
    async def gate_passes(
        self,
        info: Info,
        filter: GatePassFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[GatePass]:
        statement = select(models.GatePass).order_by(
            models.GatePass.issued_at.desc(), models.GatePass.id
        )
        if filter is not None and filter.shipment_id is not None:
            shipment_id = parse_global_id(filter.shipment_id, "Shipment")
            statement = statement.where(models.GatePass.shipment_id == shipment_id)
        if filter is not None and filter.status is not None:
            now = datetime.now(UTC)
            statement = statement.where(gate.status_is(filter.status, now))
        return await paginate(
            info,
            statement,
            GatePass.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.type
class GateMutation:
    @strawberry.mutation(
        description="A gate pass for a discharged, released, paid, unheld and "
        "booked container; one user error per unmet condition (NOT_DISCHARGED, "
        "NOT_RELEASED, DO_INVALID, NOT_PAID, ON_HOLD, NOT_BOOKED; SLOT_CLOSED "
        "when the booked slot and its grace are over). The box's earlier "
        "passes that lapsed unused become EXPIRED; a live one refuses a second "
        "(GATE_PASS_EXISTS). Cancelling or rescheduling the booking cancels "
        "the pass: request a new one.",
        permission_classes=[IsAuthenticated],
    )
    async def request_gate_pass(
        self, info: Info, input: RequestGatePassInput
    ) -> RequestGatePassPayload:
        request = gate.GatePassRequest(
            booking_id=id_of(input.booking_id) or uuid.UUID(int=0),
            container_id=id_of(input.container_id),
            container_number=input.container_number,
            truck_plate=input.truck_plate,
            driver_name=input.driver_name,
        )
        key = key_of(info)

        async def use_case(session: AsyncSession, viewer: Viewer) -> GatePass:
            now = datetime.now(UTC)
            issued = await gate.request_gate_pass(session, viewer, request, key, now)
            return GatePass.from_model(issued.gate_pass)

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return RequestGatePassPayload(gate_pass=None, user_errors=result)
        return RequestGatePassPayload(gate_pass=result, user_errors=[])

    @strawberry.mutation(
        description="Record a truck at the gate (operators and gate systems): "
        "checks the time (OUT_OF_RANGE), the token (TOKEN_INVALID, TOKEN_USED; "
        "GATE_PASS_CANCELLED once its booking was cancelled or moved, "
        "GATE_PASS_EXPIRED once it lapsed and a new pass was requested), the "
        "truck (TRUCK_MISMATCH), holds on the box, in or out (ON_HOLD), and "
        "the slot (TOO_EARLY, SLOT_MISSED).",
        permission_classes=[IsOperator],
    )
    async def record_gate_event(
        self, info: Info, input: RecordGateEventInput
    ) -> RecordGateEventPayload:
        now = datetime.now(UTC)
        reading = gate_events.GateReading(
            token=input.token,
            kind=input.kind,
            truck_plate=input.truck_plate,
            at=input.at or now,
        )
        key = key_of(info)

        async def use_case(
            session: AsyncSession, viewer: Viewer
        ) -> RecordGateEventPayload:
            event = await gate_events.record_gate_event(
                session, viewer, reading, key, now
            )
            gate_pass = await session.get(models.GatePass, event.gate_pass_id)
            return RecordGateEventPayload(
                gate_event=GateEvent.from_model(event),
                gate_pass=GatePass.from_model(gate_pass) if gate_pass else None,
                user_errors=[],
            )

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return RecordGateEventPayload(
                gate_event=None, gate_pass=None, user_errors=result
            )
        return result

    @strawberry.mutation(
        description="Order terminal delivery of boxes to an address in a window, "
        "priced from the tariff.",
        permission_classes=[IsAuthenticated],
    )
    async def request_delivery(
        self, info: Info, input: RequestDeliveryInput
    ) -> RequestDeliveryPayload:
        request = delivery.DeliveryRequest(
            shipment_id=parse_global_id(input.shipment_id, "Shipment"),
            container_ids=[id_of(i) or uuid.UUID(int=0) for i in input.container_ids],
            container_numbers=input.container_numbers,
            address=input.address,
            window_from=input.window_from,
            window_to=input.window_to,
            zone=input.zone,
        )

        async def use_case(session: AsyncSession, viewer: Viewer) -> Delivery:
            row = await delivery.request_delivery(session, viewer, request)
            return Delivery.from_model(row)

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return RequestDeliveryPayload(delivery=None, user_errors=result)
        return RequestDeliveryPayload(delivery=result, user_errors=[])
