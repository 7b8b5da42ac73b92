"""Gate passes and the gate: who may collect a box, and what happened at the gate.

A pass is issued only for a box that is ready (discharged, released by
customs with SPPB, covered by a Delivery Order in force over the slot, paid,
its storage paid through the slot, free of holds) and booked in a slot; each
unmet condition is its own user error (domain/services/release.py). At the gate
the signed token, the truck, the slot (with a grace period) and holds are
checked, and both sides' service is recorded: the trucker's punctuality on
gate-in, the terminal's turnaround against its service level on gate-out.

A pass lives as long as its booking: cancelling the booking or moving it to
another slot cancels the unused pass (its token names the old slot). A pass
whose slot and grace passed unused is EXPIRED, a no-show on the trucker's
side: it reads so at once, and is stored so when the box's next pass is
requested, so that it no longer blocks one.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import gate_tokens
from domain.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    ValidationErrors,
)
from domain.events import record, shipment_channel
from domain.models.gate import (
    GateEvent,
    GateEventKind,
    GatePass,
    GatePassStatus,
    Punctuality,
)
from domain.models.scheduling import BookingStatus, PickupSlot, TruckBooking
from domain.models.shipments import Container, ContainerStatus, Shipment
from domain.services import release
from domain.services.shipments import change_status, load_shipment
from domain.shipment_status import ShipmentStatus
from domain.time_bounds import check_near
from domain.viewer import Viewer

log = structlog.get_logger(__name__)

# How far outside its slot a truck is still let in: early or late arrivals
# within it are recorded as such, beyond it the booking counts as missed.
GRACE = timedelta(minutes=30)
# Published service level at Tanjung Priok for an import pickup, gate-in to out.
SERVICE_LEVEL = timedelta(minutes=125)
# How far a gate's clock may run ahead of ours, and how late a gate that was
# offline may still upload what it saw.
CLOCK_SKEW = timedelta(minutes=15)
LATE_UPLOAD = timedelta(days=7)


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


@dataclass(frozen=True, slots=True)
class GateReading:
    """A gate's report: a token read at a lane, the truck seen, and when."""

    token: str
    kind: GateEventKind
    truck_plate: str
    at: datetime


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
        raise ValidationErrors(errors)

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


async def record_gate_event(
    session: AsyncSession,
    viewer: Viewer,
    reading: GateReading,
    key: bytes,
    now: datetime,
) -> GateEvent:
    """Check a token at the gate and record the truck passing; refuse reuse.

    The time read may run CLOCK_SKEW ahead of `now` and LATE_UPLOAD behind
    it (OUT_OF_RANGE). A cancelled or expired pass is refused
    (GATE_PASS_CANCELLED, GATE_PASS_EXPIRED), and so is a box that a hold
    blocked when the truck passed (ON_HOLD), in or out.
    """
    check_near(reading.at, now=now, field=("at",), ahead=CLOCK_SKEW, behind=LATE_UPLOAD)
    claims = gate_tokens.verify(key, reading.token)
    gate_pass = await session.scalar(
        select(GatePass)
        .where(GatePass.id == claims.pass_id, GatePass.token_id == claims.token_id)
        .with_for_update()
    )
    if gate_pass is None:
        raise gate_tokens.InvalidGatePassTokenError("no live gate pass has this token")
    _refuse_void(gate_pass)
    if gate_tokens.normalise_plate(reading.truck_plate) != gate_tokens.normalise_plate(
        gate_pass.truck_plate
    ):
        raise ValidationError(
            f"the pass is for truck {gate_pass.truck_plate}",
            code="TRUCK_MISMATCH",
            field=("truckPlate",),
        )
    container = await session.get_one(Container, gate_pass.container_id)
    shipment = await load_shipment(session, gate_pass.shipment_id)
    held = await release.hold_error(
        session, shipment, container, reading.at, field=("token",)
    )
    if held is not None:
        raise held

    if reading.kind is GateEventKind.GATE_IN:
        event = _gate_in(gate_pass, reading)
    else:
        event = _gate_out(gate_pass, reading)
    event.recorded_by_id = viewer.principal_id
    session.add(event)
    await _update_container(session, viewer, gate_pass, container, reading)
    await session.flush()
    log.info(
        "gate.event_recorded",
        gate_pass_id=str(gate_pass.id),
        kind=reading.kind.value,
    )
    return event


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


def _refuse_void(gate_pass: GatePass) -> None:
    if gate_pass.status is GatePassStatus.CANCELLED:
        raise ConflictError(
            "this gate pass was cancelled: its booking was cancelled or moved to "
            "another slot; the customer requests a new pass",
            code="GATE_PASS_CANCELLED",
            field=("token",),
        )
    if gate_pass.status is GatePassStatus.EXPIRED:
        raise ConflictError(
            f"this gate pass expired at {gate_pass.expires_at.isoformat()} unused",
            code="GATE_PASS_EXPIRED",
            field=("token",),
        )


def _gate_in(gate_pass: GatePass, reading: GateReading) -> GateEvent:
    """The trucker's side: arrival against the slot, within the grace period."""
    if gate_pass.status is not GatePassStatus.ISSUED:
        raise ConflictError("this gate pass was already used", code="TOKEN_USED")
    start, end = gate_pass.slot_starts_at, gate_pass.slot_ends_at
    if reading.at < start - GRACE:
        raise ConflictError(
            f"too early: the slot opens at {start.isoformat()}",
            code="TOO_EARLY",
            field=("at",),
        )
    if reading.at > end + GRACE:
        raise ConflictError(
            f"the slot closed at {end.isoformat()}, grace included",
            code="SLOT_MISSED",
            field=("at",),
        )
    late = max(0, math.ceil((reading.at - end) / timedelta(minutes=1)))
    punctuality = (
        Punctuality.EARLY
        if reading.at < start
        else (Punctuality.LATE if late else Punctuality.ON_TIME)
    )
    gate_pass.status = GatePassStatus.IN_TERMINAL
    gate_pass.gated_in_at = reading.at
    return _event(gate_pass, reading, punctuality=punctuality, minutes_late=late)


def _gate_out(gate_pass: GatePass, reading: GateReading) -> GateEvent:
    """The terminal's side: time inside against the service level."""
    if gate_pass.status is GatePassStatus.COMPLETED:
        raise ConflictError("this gate pass was already used", code="TOKEN_USED")
    if gate_pass.status is not GatePassStatus.IN_TERMINAL or not gate_pass.gated_in_at:
        raise ConflictError("the truck has not gated in", code="NOT_GATED_IN")
    inside = reading.at - gate_pass.gated_in_at
    if inside < timedelta(0):
        raise ValidationError(
            "gate-out cannot precede gate-in", code="INVALID", field=("at",)
        )
    gate_pass.status = GatePassStatus.COMPLETED
    gate_pass.gated_out_at = reading.at
    return _event(
        gate_pass,
        reading,
        turnaround_minutes=math.ceil(inside / timedelta(minutes=1)),
        within_service_level=inside <= SERVICE_LEVEL,
    )


def _event(
    gate_pass: GatePass,
    reading: GateReading,
    *,
    punctuality: Punctuality | None = None,
    minutes_late: int | None = None,
    turnaround_minutes: int | None = None,
    within_service_level: bool | None = None,
) -> GateEvent:
    return GateEvent(
        organisation_id=gate_pass.organisation_id,
        gate_pass_id=gate_pass.id,
        container_id=gate_pass.container_id,
        kind=reading.kind,
        at=reading.at,
        truck_plate=gate_tokens.normalise_plate(reading.truck_plate),
        punctuality=punctuality,
        minutes_late=minutes_late,
        turnaround_minutes=turnaround_minutes,
        within_service_level=within_service_level,
    )


async def _update_container(
    session: AsyncSession,
    viewer: Viewer,
    gate_pass: GatePass,
    container: Container,
    reading: GateReading,
) -> None:
    """Gate-out completes the box; the last box out completes the shipment."""
    if reading.kind is GateEventKind.GATE_IN:
        container.status = ContainerStatus.GATED_IN
        return
    container.status = ContainerStatus.GATED_OUT
    container.gated_out_at = reading.at
    shipment = await load_shipment(session, gate_pass.shipment_id, lock=True)
    record(
        session,
        shipment_channel(shipment.id),
        "CONTAINER_GATED_OUT",
        shipmentId=str(shipment.id),
        containerId=str(container.id),
    )
    await session.flush()
    remaining = await session.scalar(
        select(func.count())
        .select_from(Container)
        .where(Container.shipment_id == shipment.id, Container.gated_out_at.is_(None))
    )
    if not remaining and shipment.status in (
        ShipmentStatus.IN_SERVICE,
        ShipmentStatus.READY_FOR_PICKUP,
    ):
        await change_status(
            session,
            viewer,
            shipment,
            ShipmentStatus.COMPLETED,
            "the last container left the terminal",
        )


async def _container(session: AsyncSession, request: GatePassRequest) -> Container:
    statement = select(Container)
    if request.container_id is not None:
        statement = statement.where(Container.id == request.container_id)
    elif request.container_number:
        number = request.container_number.strip().upper()
        statement = statement.where(
            Container.number == number, Container.gated_out_at.is_(None)
        ).order_by(Container.created_at.desc())
    else:
        raise ValidationError(
            "name the container by id or number", field=("containerId",)
        )
    container = (await session.scalars(statement.limit(1))).first()
    if container is None:
        raise NotFoundError("no such container", field=("containerId",))
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
