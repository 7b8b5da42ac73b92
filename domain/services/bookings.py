"""Truck bookings: book, reschedule and cancel a pickup in a slot.

The database enforces every quota: a seat is taken by a conditional
`UPDATE ... SET booked = booked + 1 WHERE booked < quota RETURNING`, inside
the booking's transaction, so concurrent bookings never pass it, and a
booking that fails later in the transaction gives its seat back on rollback.

A gate pass lives as long as its booking's slot: cancelling the booking, or
moving it to another slot, cancels its unused pass in the same transaction
(domain/services/gate.py), and the customer requests a new one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.events import record, shipment_channel
from domain.models.port import VesselCall
from domain.models.scheduling import BookingStatus, PickupSlot, TruckBooking
from domain.models.shipments import Container, ContainerStatus, Shipment
from domain.services import gate
from domain.shipment_status import check_pickup_stage
from domain.viewer import Viewer

log = structlog.get_logger(__name__)

# Indonesian registration plates: region code, number, suffix ("B 1234 XYZ").
PLATE = re.compile(r"^[A-Z]{1,2} ?[0-9]{1,4} ?[A-Z]{0,3}$")


@dataclass(frozen=True, slots=True)
class Truck:
    """The truck and driver of a booking, both optional until the gate."""

    plate: str | None = None
    driver: str | None = None

    def checked(self, field: tuple[str, ...] = ()) -> Truck:
        """Normalised (upper case, single spaces) and validated."""
        plate = None
        if self.plate is not None:
            plate = " ".join(self.plate.upper().split())
            if not PLATE.match(plate):
                # Echo a short plate back; a long one is no plate at all.
                shown = repr(self.plate) if len(self.plate) <= 16 else "that"
                raise ValidationError(
                    f"{shown} is not a registration plate such as B 1234 XYZ",
                    code="INVALID_PLATE",
                    field=(*field, "truckPlate"),
                )
        driver = None if self.driver is None else " ".join(self.driver.split())
        if driver is not None and not 1 <= len(driver) <= 100:
            raise ValidationError(
                "a driver's name has 1 to 100 characters",
                field=(*field, "driverName"),
            )
        return Truck(plate, driver)


async def book_pickup(
    session: AsyncSession,
    viewer: Viewer,
    *,
    container_id: uuid.UUID,
    slot_id: uuid.UUID,
    truck: Truck,
    now: datetime | None = None,
) -> TruckBooking:
    """Book a truck for a container in a slot; SLOT_FULL once the quota is taken."""
    truck = truck.checked()
    at = now or datetime.now(UTC)
    container = await _locked_container(session, container_id)
    shipment = await session.get_one(Shipment, container.shipment_id)
    check_pickup_stage(shipment.status, "NOT_BOOKABLE", "a pickup booking")
    terminal = await _terminal_of(session, container)

    slot = await _open_slot(session, slot_id, terminal, at, ("slotId",))
    await take_seat(session, slot.id, ("slotId",))

    booking = TruckBooking(
        organisation_id=container.organisation_id,
        shipment_id=container.shipment_id,
        container_id=container.id,
        slot_id=slot.id,
        truck_plate=truck.plate,
        driver_name=truck.driver,
        booked_by_id=viewer.principal_id,
    )
    session.add(booking)
    await session.flush()
    _announce(session, booking, "booking.created")
    log.info("booking.created", booking=str(booking.id), slot=str(slot.id))
    return booking


async def reschedule_booking(
    session: AsyncSession,
    viewer: Viewer,
    *,
    booking_id: uuid.UUID,
    slot_id: uuid.UUID,
    truck: Truck | None = None,
    now: datetime | None = None,
) -> TruckBooking:
    """Move a booking to another slot at once: it never holds two slots or none.

    Its unused gate pass names the old slot, so it is cancelled.
    """
    at = now or datetime.now(UTC)
    checked = truck.checked() if truck is not None else None
    booking = await _locked_booking(session, booking_id)
    if booking.slot_id == slot_id:
        raise ValidationError(
            "the booking is already in that slot", code="SAME_SLOT", field=("slotId",)
        )
    container = await session.get_one(Container, booking.container_id)
    _check_not_gone(container)
    terminal = await _terminal_of(session, container)
    target = await _open_slot(session, slot_id, terminal, at, ("slotId",))

    # Lock both slots in one order, so two reschedules that swap slots
    # cannot deadlock.
    await _lock_slots(session, sorted([booking.slot_id, target.id]))
    await take_seat(session, target.id, ("slotId",))
    await free_seat(session, booking.slot_id)
    await gate.void_passes_of_booking(session, booking.id, at)
    booking.slot_id = target.id
    booking.at_risk_since = None
    booking.at_risk_reason = None
    if checked is not None:
        booking.truck_plate = checked.plate or booking.truck_plate
        booking.driver_name = checked.driver or booking.driver_name
    await session.flush()
    _announce(session, booking, "booking.rescheduled")
    log.info("booking.rescheduled", booking=str(booking.id), slot=str(target.id))
    return booking


async def cancel_booking(
    session: AsyncSession,
    viewer: Viewer,
    *,
    booking_id: uuid.UUID,
    now: datetime | None = None,
) -> TruckBooking:
    """Cancel a booking, give its seat back to the slot and void its gate pass."""
    at = now or datetime.now(UTC)
    booking = await _locked_booking(session, booking_id)
    _check_not_gone(await session.get_one(Container, booking.container_id))
    await gate.void_passes_of_booking(session, booking.id, at)
    await free_seat(session, booking.slot_id)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = at
    await session.flush()
    _announce(session, booking, "booking.cancelled")
    log.info("booking.cancelled", booking=str(booking.id))
    return booking


async def containers_by_number(
    session: AsyncSession,
    shipment_id: uuid.UUID,
    numbers: Sequence[str],
    field: tuple[str, ...],
) -> list[uuid.UUID]:
    """Ids of a shipment's containers by ISO 6346 number, in the order given."""
    wanted = [n.strip().upper() for n in numbers]
    rows = await session.execute(
        select(Container.number, Container.id).where(
            Container.shipment_id == shipment_id, Container.number.in_(wanted)
        )
    )
    found = {number: key for number, key in rows.all()}
    if not found:
        # Through the viewer's scope: another organisation's request is absent.
        shipment = await session.scalar(
            select(Shipment.id).where(Shipment.id == shipment_id)
        )
        if shipment is None:
            raise NotFoundError("no such shipment", field=("shipmentId",))
    for number in wanted:
        if number not in found:
            raise NotFoundError(f"the shipment has no container {number}", field=field)
    return [found[number] for number in wanted]


async def take_seat(
    session: AsyncSession, slot_id: uuid.UUID, field: tuple[str, ...]
) -> None:
    """Count one more truck in the slot, or refuse with SLOT_FULL."""
    taken = await session.scalar(
        update(PickupSlot)
        .where(PickupSlot.id == slot_id, PickupSlot.booked < PickupSlot.quota)
        .values(booked=PickupSlot.booked + 1)
        .returning(PickupSlot.booked),
        execution_options={"synchronize_session": False},
    )
    if taken is None:
        raise ConflictError("the slot is full", code="SLOT_FULL", field=field)


async def free_seat(session: AsyncSession, slot_id: uuid.UUID) -> None:
    await session.execute(
        update(PickupSlot)
        .where(PickupSlot.id == slot_id)
        .values(booked=PickupSlot.booked - 1),
        execution_options={"synchronize_session": False},
    )


async def _locked_container(
    session: AsyncSession, container_id: uuid.UUID
) -> Container:
    """The container, locked so that two bookings of it take turns."""
    container = await session.scalar(
        select(Container).where(Container.id == container_id).with_for_update()
    )
    if container is None:
        raise NotFoundError("no such container", field=("containerNumber",))
    if container.status is ContainerStatus.GATED_OUT:
        raise ConflictError(
            "the container has left the terminal",
            code="GATED_OUT",
            field=("containerNumber",),
        )
    active = await session.scalar(
        select(TruckBooking.id).where(
            TruckBooking.container_id == container.id,
            TruckBooking.status == BookingStatus.ACTIVE,
        )
    )
    if active is not None:
        raise ConflictError(
            "the container already has a booking; reschedule it instead",
            code="ALREADY_BOOKED",
            field=("containerNumber",),
        )
    return container


async def _locked_booking(session: AsyncSession, booking_id: uuid.UUID) -> TruckBooking:
    booking = await session.scalar(
        select(TruckBooking).where(TruckBooking.id == booking_id).with_for_update()
    )
    if booking is None:
        raise NotFoundError("no such booking", field=("bookingId",))
    if booking.status is not BookingStatus.ACTIVE:
        raise ConflictError(
            "the booking is cancelled", code="BOOKING_CANCELLED", field=("bookingId",)
        )
    return booking


def _check_not_gone(container: Container) -> None:
    """A booking whose box has left the terminal was used: it stays as it is."""
    if container.status is ContainerStatus.GATED_OUT:
        raise ConflictError(
            "the booking's container has left the terminal",
            code="GATED_OUT",
            field=("bookingId",),
        )


async def _terminal_of(session: AsyncSession, container: Container) -> str:
    shipment = await session.get_one(Shipment, container.shipment_id)
    call_id = shipment.vessel_call_id
    call = None if call_id is None else await session.get(VesselCall, call_id)
    if call is None:
        raise ValidationError(
            "the container's shipment names no vessel call",
            code="NO_VESSEL_CALL",
            field=("shipmentId",),
        )
    return call.terminal


async def _open_slot(
    session: AsyncSession,
    slot_id: uuid.UUID,
    terminal: str,
    now: datetime,
    field: tuple[str, ...],
) -> PickupSlot:
    slot = await session.get(PickupSlot, slot_id)
    if slot is None:
        raise NotFoundError("no such slot", field=field)
    if slot.terminal != terminal:
        raise ValidationError(
            f"the container is picked up at terminal {terminal}, not {slot.terminal}",
            code="WRONG_TERMINAL",
            field=field,
        )
    if slot.ends_at <= now:
        raise ValidationError("the slot is over", code="SLOT_CLOSED", field=field)
    return slot


async def _lock_slots(session: AsyncSession, slot_ids: list[uuid.UUID]) -> None:
    await session.execute(
        select(PickupSlot.id)
        .where(PickupSlot.id.in_(slot_ids))
        .order_by(PickupSlot.id)
        .with_for_update()
    )


def _announce(session: AsyncSession, booking: TruckBooking, kind: str) -> None:
    record(
        session,
        shipment_channel(booking.shipment_id),
        kind,
        shipmentId=str(booking.shipment_id),
        bookingId=str(booking.id),
    )
