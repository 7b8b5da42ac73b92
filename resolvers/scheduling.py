"""Root fields of pickup slots and truck bookings: lay out slots, book, move, cancel."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError
from domain.models import scheduling as models
from domain.services import bookings, slots
from domain.viewer import Viewer
from resolvers.transaction import run_use_case
from schema.context import Info
from schema.errors import USER_ERRORS, UserError
from schema.permissions import IsAuthenticated, IsOperator
from schema.relay import SentID, parse_global_id
from schema.scheduling import PickupSlot, TruckBooking, YardBlock


@strawberry.input(description="Slots to lay out at a terminal over a span of time.")
class ConfigureSlotsInput:
    terminal: str = strawberry.field(description="The terminal's code.")
    from_: datetime = strawberry.field(name="from", description="First slot start.")
    to: datetime = strawberry.field(description="No slot ends after this (≤ 31 days).")
    slot_minutes: int = strawberry.field(description="Slot length, 15 to 1440.")
    quota: int = strawberry.field(description="Import trucks per new slot.")
    quay_cranes: int | None = strawberry.field(
        default=None, description="Quay cranes per vessel call, for estimates."
    )
    moves_per_crane_hour: int | None = strawberry.field(
        default=None, description="Boxes a quay crane lifts per hour."
    )
    settling_minutes: int | None = strawberry.field(
        default=None, description="Minutes a box settles in the yard after discharge."
    )


@strawberry.type(description="The slots of the span; slots already there are kept.")
class ConfigureSlotsPayload:
    slots: list[PickupSlot] = strawberry.field(description="Every slot of the span.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="A slot's new truck quota.")
class UpdateSlotQuotaInput:
    slot_id: SentID = strawberry.field(description="The slot.")
    quota: int = strawberry.field(
        description="Import trucks it takes; below `booked`, bookings stay."
    )


@strawberry.type(description="The slot with its new quota.")
class UpdateSlotQuotaPayload:
    slot: PickupSlot | None = strawberry.field(description="The slot.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="A yard block and its pickup moves per hour.")
class ConfigureYardBlockInput:
    terminal: str = strawberry.field(description="The terminal's code.")
    code: str = strawberry.field(description="The block's code.")
    moves_per_hour: int = strawberry.field(description="Yard crane pickup moves.")


@strawberry.type(description="The yard block as configured.")
class ConfigureYardBlockPayload:
    yard_block: YardBlock | None = strawberry.field(description="The block.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="A truck for one container in one slot.")
class BookPickupInput:
    shipment_id: SentID = strawberry.field(description="The shipment.")
    container_number: str = strawberry.field(description="ISO 6346 number.")
    slot_id: SentID = strawberry.field(description="The slot.")
    truck_plate: str = strawberry.field(description="Plate such as B 1234 XYZ.")
    driver_name: str = strawberry.field(description="The driver's name.")


@strawberry.type(description="The booking and the slot it took.")
class BookingPayload:
    booking: TruckBooking | None = strawberry.field(description="The booking.")
    slot: PickupSlot | None = strawberry.field(description="Its slot, as it now is.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="Move a booking to another slot, all or nothing.")
class RescheduleBookingInput:
    booking_id: SentID = strawberry.field(description="The booking.")
    slot_id: SentID = strawberry.field(description="The new slot.")
    truck_plate: str | None = strawberry.field(
        default=None, description="A new truck, if it changes."
    )
    driver_name: str | None = strawberry.field(
        default=None, description="A new driver, if it changes."
    )


@strawberry.input(description="The booking to cancel.")
class CancelBookingInput:
    booking_id: SentID = strawberry.field(description="The booking.")


def _query_error(error: DomainError) -> GraphQLError:
    return GraphQLError(error.message, extensions={"code": error.code})


@strawberry.type
class SchedulingQuery:
    @strawberry.field(
        description="Pickup slots of a terminal starting in [from, to) (14 days "
        "at most), with quota, booked and free counts: terminal data every "
        "signed-in user may read.",
        permission_classes=[IsAuthenticated],
    )
    async def slots(
        self,
        info: Info,
        terminal: str,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> list[PickupSlot]:
        async with info.context.reader.session() as session:
            try:
                rows = await slots.slots_between(session, terminal, from_, to)
            except DomainError as error:
                raise _query_error(error) from error
        return [PickupSlot.from_model(row) for row in rows]


@strawberry.type
class SchedulingMutation:
    @strawberry.mutation(
        description="Operators: lay out pickup slots of a terminal over a span.",
        permission_classes=[IsOperator],
    )
    async def configure_slots(
        self, info: Info, input: ConfigureSlotsInput
    ) -> ConfigureSlotsPayload:
        plan = slots.SlotPlan(
            terminal=input.terminal,
            start=input.from_,
            end=input.to,
            slot_minutes=input.slot_minutes,
            quota=input.quota,
            quay_cranes=input.quay_cranes,
            moves_per_crane_hour=input.moves_per_crane_hour,
            settling_minutes=input.settling_minutes,
        )

        async def use_case(
            session: AsyncSession, viewer: Viewer
        ) -> ConfigureSlotsPayload:
            rows = await slots.configure_slots(session, viewer, plan)
            return ConfigureSlotsPayload(
                slots=[PickupSlot.from_model(r) for r in rows], user_errors=[]
            )

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return ConfigureSlotsPayload(slots=[], user_errors=result)
        return result

    @strawberry.mutation(
        description="Operators: change a slot's truck quota; affected plans "
        "are re-planned.",
        permission_classes=[IsOperator],
    )
    async def update_slot_quota(
        self, info: Info, input: UpdateSlotQuotaInput
    ) -> UpdateSlotQuotaPayload:
        slot_id = parse_global_id(input.slot_id, "PickupSlot")

        async def use_case(
            session: AsyncSession, viewer: Viewer
        ) -> UpdateSlotQuotaPayload:
            row = await slots.update_slot_quota(
                session, viewer, slot_id=slot_id, quota=input.quota
            )
            return UpdateSlotQuotaPayload(
                slot=PickupSlot.from_model(row), user_errors=[]
            )

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return UpdateSlotQuotaPayload(slot=None, user_errors=result)
        return result

    @strawberry.mutation(
        description="Operators: create or change a yard block's pickup moves "
        "per hour; affected plans are re-planned.",
        permission_classes=[IsOperator],
    )
    async def configure_yard_block(
        self, info: Info, input: ConfigureYardBlockInput
    ) -> ConfigureYardBlockPayload:
        async def use_case(
            session: AsyncSession, viewer: Viewer
        ) -> ConfigureYardBlockPayload:
            row = await slots.configure_yard_block(
                session,
                viewer,
                terminal=input.terminal,
                code=input.code,
                moves_per_hour=input.moves_per_hour,
            )
            return ConfigureYardBlockPayload(
                yard_block=YardBlock.from_model(row), user_errors=[]
            )

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return ConfigureYardBlockPayload(yard_block=None, user_errors=result)
        return result

    @strawberry.mutation(
        description="Book a truck for a container in a slot; SLOT_FULL when "
        "the quota is taken. The request must be verified (NOT_SUBMITTED "
        "for a draft, NOT_VERIFIED until an operator has verified it).",
        permission_classes=[IsAuthenticated],
    )
    async def book_pickup(self, info: Info, input: BookPickupInput) -> BookingPayload:
        shipment_id = parse_global_id(input.shipment_id, "Shipment")
        slot_id = parse_global_id(input.slot_id, "PickupSlot")
        truck = bookings.Truck(input.truck_plate, input.driver_name)

        async def use_case(session: AsyncSession, viewer: Viewer) -> uuid.UUID:
            (container_id,) = await bookings.containers_by_number(
                session, shipment_id, [input.container_number], ("containerNumber",)
            )
            booking = await bookings.book_pickup(
                session, viewer, container_id=container_id, slot_id=slot_id, truck=truck
            )
            return booking.id

        return await _booking_payload(info, await run_use_case(info, use_case))

    @strawberry.mutation(
        description="Move a booking to another slot in one step: if the new "
        "slot is full (SLOT_FULL) the booking keeps its slot. Its unused gate "
        "pass names the old slot and is cancelled: request a new one. Refused "
        "while its truck is inside the terminal (TRUCK_IN_TERMINAL).",
        permission_classes=[IsAuthenticated],
    )
    async def reschedule_booking(
        self, info: Info, input: RescheduleBookingInput
    ) -> BookingPayload:
        booking_id = parse_global_id(input.booking_id, "TruckBooking")
        slot_id = parse_global_id(input.slot_id, "PickupSlot")
        truck = None
        if input.truck_plate is not None or input.driver_name is not None:
            truck = bookings.Truck(input.truck_plate, input.driver_name)

        async def use_case(session: AsyncSession, viewer: Viewer) -> uuid.UUID:
            booking = await bookings.reschedule_booking(
                session, viewer, booking_id=booking_id, slot_id=slot_id, truck=truck
            )
            return booking.id

        return await _booking_payload(info, await run_use_case(info, use_case))

    @strawberry.mutation(
        description="Cancel a booking; its slot gets the seat back and its "
        "unused gate pass is cancelled (the gate refuses it with "
        "GATE_PASS_CANCELLED). Refused while its truck is inside the terminal "
        "(TRUCK_IN_TERMINAL).",
        permission_classes=[IsAuthenticated],
    )
    async def cancel_booking(
        self, info: Info, input: CancelBookingInput
    ) -> BookingPayload:
        booking_id = parse_global_id(input.booking_id, "TruckBooking")

        async def use_case(session: AsyncSession, viewer: Viewer) -> uuid.UUID:
            booking = await bookings.cancel_booking(
                session, viewer, booking_id=booking_id
            )
            return booking.id

        return await _booking_payload(info, await run_use_case(info, use_case))


async def _booking_payload(
    info: Info, result: uuid.UUID | list[UserError]
) -> BookingPayload:
    """The booking and its slot as committed, read after the transaction."""
    if isinstance(result, list):
        return BookingPayload(booking=None, slot=None, user_errors=result)
    row = await info.context.loaders.of(models.TruckBooking).load(result)
    if row is None:
        return BookingPayload(booking=None, slot=None, user_errors=[])
    slot = await info.context.loaders.of(models.PickupSlot).load(row.slot_id)
    return BookingPayload(
        booking=TruckBooking.from_model(row),
        slot=PickupSlot.from_model(slot) if slot is not None else None,
        user_errors=[],
    )
