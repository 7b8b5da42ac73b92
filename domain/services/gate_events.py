"""The gate: a pass's token read at a lane, checked, and the truck's passing recorded.

At the gate the signed token, the truck, the slot (with a grace period) and
holds are checked, and both sides' service is recorded: the trucker's
punctuality on gate-in, the terminal's turnaround against its service level
on gate-out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import gate_tokens
from domain.errors import ConflictError, ValidationError
from domain.events import record, shipment_channel
from domain.models.gate import (
    GateEvent,
    GateEventKind,
    GatePass,
    GatePassStatus,
    Punctuality,
)
from domain.models.shipments import Container, ContainerStatus
from domain.services import release
from domain.services.gate import GRACE
from domain.services.shipments import change_status, load_shipment
from domain.shipment_status import ShipmentStatus
from domain.time_bounds import check_near
from domain.viewer import Viewer

log = structlog.get_logger(__name__)

# Published service level at Tanjung Priok for an import pickup, gate-in to out.
SERVICE_LEVEL = timedelta(minutes=125)
# How far a gate's clock may run ahead of ours, and how late a gate that was
# offline may still upload what it saw.
CLOCK_SKEW = timedelta(minutes=15)
LATE_UPLOAD = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class GateReading:
    """A gate's report: a token read at a lane, the truck seen, and when."""

    token: str
    kind: GateEventKind
    truck_plate: str
    at: datetime


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
