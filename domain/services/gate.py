"""Gate passes: who may collect a box, in which slot and with which truck.

A pass is issued only for a box that is ready (discharged, released by
customs with SPPB, covered by a Delivery Order in force over the slot, paid,
its storage paid through the slot, free of holds) and booked in a slot; each
unmet condition is its own user error (domain/services/release.py). The gate
checks its signed token (domain/services/gate_events.py).

A pass lives as long as its booking: cancelling the booking or moving it to
another slot cancels the unused pass (its token names the old slot). A pass
whose slot and grace passed unused is EXPIRED, a no-show on the trucker's
side: it reads so at once, and is stored so when the box's next pass is
requested, so that it no longer blocks one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import gate_tokens
from domain.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    ValidationError,
    ValidationErrors,
)
from domain.events import record, shipment_channel
from domain.models.gate import (
    GatePass,
    GatePassStatus,
)
from domain.models.scheduling import BookingStatus, PickupSlot, TruckBooking
from domain.models.shipments import Container, Shipment
from domain.services import release
from domain.services.shipments import change_status, load_shipment
from domain.shipment_status import ShipmentStatus
from domain.viewer import Viewer

log = structlog.get_logger(__name__)

# How far outside its slot a truck is still let in: early or late arrivals
# within it are recorded as such, beyond it the booking counts as missed.
GRACE = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class GatePassRequest:
    """A customer asks leave for a truck to collect a box in its booked slot."""

    booking_id: uuid.UUID
    container_id: uuid.UUID | None = None
    container_number: str | None = None
    truck_plate: str | None = None
    driver_name: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedGatePass:
    """A stored pass and its signed token (the token is not stored)."""

    gate_pass: GatePass
    token: str


async def request_gate_pass(
    session: AsyncSession,
    viewer: Viewer,
    request: GatePassRequest,
    key: bytes,
    now: datetime,
) -> IssuedGatePass:
    """Issue a pass once every pickup condition holds; else one error per condition."""
    container = await _container(session, request)
    shipment = await load_shipment(session, container.shipment_id, lock=True)
    booking, slot = await _booking(session, request.booking_id, container.id)

    errors = await release.unmet_conditions(session, shipment, container, now, slot)
    if booking is None or slot is None:
        errors.append(
            ValidationError(
                "no active booking of a slot for this container",
                code="NOT_BOOKED",
                field=("bookingId",),
            )
        )
    elif slot.ends_at + GRACE < now:
        errors.append(
            ValidationError(
                f"the booked slot closed at {slot.ends_at.isoformat()}, grace "
                "included: move the booking to another slot (rescheduleBooking)",
                code="SLOT_CLOSED",
                field=("bookingId",),
            )
        )
    plate = request.truck_plate or (booking.truck_plate if booking else None)
    # Without a booking there is no truck to default to: NOT_BOOKED says it.
    if booking is not None and not gate_tokens.normalise_plate(plate or ""):
        errors.append(
            ValidationError(
                "name the truck that collects",
                code="TRUCK_REQUIRED",
                field=("truckPlate",),
            )
        )
    if errors or booking is None or slot is None or not plate:
        raise ValidationErrors(_as_sent(errors, request))

    await _expire_lapsed(session, container.id, now)
    await _refuse_live_pass(session, container.id)
    gate_pass = _new_pass(viewer, shipment, container, booking, slot, plate, request)
    session.add(gate_pass)
    await session.flush()
    record(
        session,
        shipment_channel(shipment.id),
        "GATE_PASS_ISSUED",
        shipmentId=str(shipment.id),
        gatePassId=str(gate_pass.id),
    )
    log.info("gate_pass.issued", gate_pass_id=str(gate_pass.id))
    return IssuedGatePass(gate_pass, token_of(key, gate_pass))


def token_of(key: bytes, gate_pass: GatePass) -> str:
    """The signed token of a stored pass (the same each time it is asked for)."""
    return gate_tokens.sign(
        key,
        gate_tokens.GatePassClaims(
            pass_id=gate_pass.id,
            token_id=gate_pass.token_id,
            container_number=gate_pass.container_number,
            truck_plate=gate_pass.truck_plate,
            terminal=gate_pass.terminal,
            slot_starts_at=gate_pass.slot_starts_at,
            slot_ends_at=gate_pass.slot_ends_at,
            expires_at=gate_pass.expires_at,
        ),
    )


async def void_passes_of_booking(
    session: AsyncSession, booking_id: uuid.UUID, now: datetime
) -> None:
    """The booking is cancelled or moved: its unused pass is void with it.

    A pass whose slot already lapsed unused is EXPIRED (the no-show stays
    counted), any other unused pass CANCELLED. While the booking's truck is
    inside the terminal the booking stays as it is (TRUCK_IN_TERMINAL).
    """
    passes = await session.scalars(
        select(GatePass)
        .where(
            GatePass.booking_id == booking_id,
            GatePass.status.in_((GatePassStatus.ISSUED, GatePassStatus.IN_TERMINAL)),
        )
        .with_for_update()
    )
    for gate_pass in passes:
        if gate_pass.status is GatePassStatus.IN_TERMINAL:
            raise ConflictError(
                "the booking's truck is inside the terminal: record its gate-out",
                code="TRUCK_IN_TERMINAL",
                field=("bookingId",),
            )
        lapsed = gate_pass.expires_at < now
        gate_pass.status = (
            GatePassStatus.EXPIRED if lapsed else GatePassStatus.CANCELLED
        )
        record(
            session,
            shipment_channel(gate_pass.shipment_id),
            "GATE_PASS_EXPIRED" if lapsed else "GATE_PASS_CANCELLED",
            shipmentId=str(gate_pass.shipment_id),
            gatePassId=str(gate_pass.id),
        )
        log.info("gate_pass.voided", gate_pass_id=str(gate_pass.id), lapsed=lapsed)
    await session.flush()


def status_at(gate_pass: GatePass, now: datetime) -> GatePassStatus:
    """A pass's status as shown: an unused one is EXPIRED once its grace passed."""
    if gate_pass.status is GatePassStatus.ISSUED and gate_pass.expires_at < now:
        return GatePassStatus.EXPIRED
    return gate_pass.status


def status_is(status: GatePassStatus, now: datetime) -> ColumnElement[bool]:
    """Passes whose status, as `status_at` shows it, is `status`."""
    lapsed = and_(GatePass.status == GatePassStatus.ISSUED, GatePass.expires_at < now)
    if status is GatePassStatus.EXPIRED:
        return or_(GatePass.status == GatePassStatus.EXPIRED, lapsed)
    if status is GatePassStatus.ISSUED:
        return and_(
            GatePass.status == GatePassStatus.ISSUED, GatePass.expires_at >= now
        )
    return GatePass.status == status


async def refresh_readiness(
    session: AsyncSession, viewer: Viewer, shipment: Shipment, now: datetime
) -> bool:
    """Move an in-service request to READY_FOR_PICKUP once all its boxes are ready."""
    if shipment.status is not ShipmentStatus.IN_SERVICE:
        return False
    boxes = await session.scalars(
        select(Container).where(Container.shipment_id == shipment.id)
    )
    for box in boxes:
        if await release.unmet_conditions(session, shipment, box, now):
            return False
    await change_status(
        session,
        viewer,
        shipment,
        ShipmentStatus.READY_FOR_PICKUP,
        "every container is released and paid",
    )
    return True


def _as_sent(errors: list[DomainError], request: GatePassRequest) -> list[DomainError]:
    """Errors about the box point at the input that named it."""
    if request.container_id is not None:
        return errors
    for error in errors:
        if error.field == ("containerId",):
            error.field = ("containerNumber",)
    return errors


async def _container(session: AsyncSession, request: GatePassRequest) -> Container:
    statement = select(Container)
    field: tuple[str, ...] = ("containerId",)
    number = (request.container_number or "").strip().upper()
    if request.container_id is not None:
        statement = statement.where(Container.id == request.container_id)
    elif number:
        field = ("containerNumber",)
        statement = statement.where(
            Container.number == number, Container.gated_out_at.is_(None)
        ).order_by(Container.created_at.desc())
    else:
        raise ValidationError("name the container by id or number", field=field)
    container = (await session.scalars(statement.limit(1))).first()
    if container is None and request.container_id is None and number:
        gone = await session.scalar(
            select(Container.id).where(Container.number == number)
        )
        if gone is not None:
            raise ConflictError(
                "the container has left the terminal",
                code="GATED_OUT",
                field=field,
            )
    if container is None:
        raise NotFoundError("no such container", field=field)
    return container


async def _booking(
    session: AsyncSession, booking_id: uuid.UUID, container_id: uuid.UUID
) -> tuple[TruckBooking | None, PickupSlot | None]:
    booking = await session.scalar(
        select(TruckBooking).where(
            TruckBooking.id == booking_id,
            TruckBooking.container_id == container_id,
            TruckBooking.status == BookingStatus.ACTIVE,
        )
    )
    if booking is None:
        return None, None
    slot = await session.scalar(
        select(PickupSlot).where(PickupSlot.id == booking.slot_id)
    )
    return booking, slot


async def _expire_lapsed(
    session: AsyncSession, container_id: uuid.UUID, now: datetime
) -> None:
    """The box's unused passes whose slot and grace passed are EXPIRED."""
    lapsed = await session.scalars(
        select(GatePass)
        .where(
            GatePass.container_id == container_id,
            GatePass.status == GatePassStatus.ISSUED,
            GatePass.expires_at < now,
        )
        .with_for_update()
    )
    for gate_pass in lapsed:
        gate_pass.status = GatePassStatus.EXPIRED
        log.info("gate_pass.expired", gate_pass_id=str(gate_pass.id))
    await session.flush()


async def _refuse_live_pass(session: AsyncSession, container_id: uuid.UUID) -> None:
    live = await session.scalar(
        select(GatePass.id).where(
            GatePass.container_id == container_id,
            GatePass.status.in_((GatePassStatus.ISSUED, GatePassStatus.IN_TERMINAL)),
        )
    )
    if live is not None:
        raise ConflictError(
            "the container already has a live gate pass",
            code="GATE_PASS_EXISTS",
            field=("containerId",),
        )


def _new_pass(
    viewer: Viewer,
    shipment: Shipment,
    container: Container,
    booking: TruckBooking,
    slot: PickupSlot,
    plate: str,
    request: GatePassRequest,
) -> GatePass:
    return GatePass(
        id=uuid.uuid4(),
        organisation_id=shipment.organisation_id,
        shipment_id=shipment.id,
        container_id=container.id,
        container_number=container.number,
        booking_id=booking.id,
        terminal=slot.terminal,
        slot_starts_at=slot.starts_at,
        slot_ends_at=slot.ends_at,
        truck_plate=gate_tokens.normalise_plate(plate),
        driver_name=request.driver_name or booking.driver_name,
        token_id=gate_tokens.new_token_id(),
        status=GatePassStatus.ISSUED,
        expires_at=slot.ends_at + GRACE,
        requested_by_id=viewer.principal_id,
    )
