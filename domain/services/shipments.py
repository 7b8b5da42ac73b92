"""Import service requests: load one, verify it, move its status on its timeline.

A draft is opened and edited in domain/services/drafts.py and submitted in
domain/services/submission.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from domain.events import record, shipment_channel
from domain.models.identity import Role
from domain.models.shipments import Container, Shipment, ShipmentStatusChange
from domain.services import terminal_sync
from domain.shipment_status import TRACKED, ShipmentStatus, check_transition
from domain.text_limits import check_reasons
from domain.viewer import PrincipalKind, Viewer

log = structlog.get_logger(__name__)


async def verify_shipment(
    session: AsyncSession,
    viewer: Viewer,
    shipment_id: uuid.UUID,
    *,
    approve: bool,
    reasons: Sequence[str],
) -> Shipment:
    """An operator approves a submitted request, or rejects it with reasons."""
    if not viewer.has(Role.OPERATOR):
        raise PermissionDeniedError("only an operator verifies requests")
    reasons = [r.strip() for r in reasons if r.strip()]
    check_reasons(reasons)
    if not approve and not reasons:
        raise ValidationError(
            "say why the request is rejected",
            code="REASON_REQUIRED",
            field=("reasons",),
        )
    shipment = await load_shipment(session, shipment_id, lock=True)
    if approve:
        await _check_unclaimed(session, shipment)

    target = ShipmentStatus.VERIFIED if approve else ShipmentStatus.REJECTED
    reason = "; ".join(reasons) or "documents verified"
    await change_status(session, viewer, shipment, target, reason)
    # From now on the request follows its boxes: what the terminal already
    # reported on them shows at once.
    await terminal_sync.follow_shipment(session, shipment)
    return shipment


async def _check_unclaimed(session: AsyncSession, shipment: Shipment) -> None:
    """No box is followed by two verified requests on one vessel call."""
    if shipment.vessel_call_id is None:
        return
    # Two operators verifying two claims to one box take turns on the call.
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(str(shipment.vessel_call_id))))
    )
    other = aliased(Container)
    rows = await session.execute(
        select(Container.number, Shipment.reference)
        .join(other, other.number == Container.number)
        .join(Shipment, Shipment.id == Container.shipment_id)
        .where(
            other.shipment_id == shipment.id,
            Shipment.id != shipment.id,
            Shipment.vessel_call_id == shipment.vessel_call_id,
            Shipment.status.in_(TRACKED),
        )
        .order_by(Container.number)
        .execution_options(skip_tenancy=True)
    )
    claimed = rows.all()
    if claimed:
        named = ", ".join(f"{number} ({reference})" for number, reference in claimed)
        raise ConflictError(
            f"already followed by another verified request on this call: {named}",
            code="CONTAINER_CLAIMED",
            field=("shipmentId",),
        )


async def load_shipment(
    session: AsyncSession,
    shipment_id: uuid.UUID,
    *,
    lock: bool = False,
    field: tuple[str, ...] = ("shipmentId",),
) -> Shipment:
    """A request the session's viewer may see; NotFoundError otherwise."""
    statement = select(Shipment).where(Shipment.id == shipment_id)
    if lock:
        statement = statement.with_for_update()
    shipment = await session.scalar(statement)
    if shipment is None:
        raise NotFoundError("no such shipment", field=field)
    return shipment


async def change_status(
    session: AsyncSession,
    viewer: Viewer,
    shipment: Shipment,
    target: ShipmentStatus,
    reason: str | None,
) -> None:
    """Move a request along the status machine, on its timeline, and announce it."""
    check_transition(shipment.status, target)
    previous = shipment.status
    shipment.status = target
    add_to_timeline(session, viewer, shipment, previous, target, reason)
    record(
        session,
        shipment_channel(shipment.id),
        "STATUS_CHANGED",
        shipmentId=str(shipment.id),
        status=target.value,
    )
    log.info(
        "shipment.status_changed",
        shipment_id=str(shipment.id),
        from_status=previous.value,
        to_status=target.value,
    )


def add_to_timeline(
    session: AsyncSession,
    viewer: Viewer,
    shipment: Shipment,
    previous: ShipmentStatus | None,
    target: ShipmentStatus,
    reason: str | None,
) -> None:
    """Note a request's move to `target` on its timeline, with who moved it."""
    session.add(
        ShipmentStatusChange(
            organisation_id=shipment.organisation_id,
            shipment_id=shipment.id,
            from_status=previous,
            to_status=target,
            actor_id=None
            if viewer.kind is PrincipalKind.SYSTEM
            else viewer.principal_id,
            actor_kind=viewer.kind.value,
            reason=reason,
        )
    )
