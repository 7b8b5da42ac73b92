"""Terminal delivery: the terminal trucks a shipment's boxes to an address."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.events import record, shipment_channel
from domain.models.gate import Delivery, DeliveryStatus
from domain.models.port import VesselCall
from domain.models.shipments import Container
from domain.money import Money
from domain.services import tariffs
from domain.services.bookings import containers_by_number
from domain.services.invoices import DEFAULT_PORT, invoice_of_shipment
from domain.services.shipments import load_shipment
from domain.shipment_status import ShipmentStatus
from domain.tariff import DEFAULT_ZONE, size_class_of
from domain.text_limits import MAX_ADDRESS, check_length
from domain.time_bounds import check_near
from domain.viewer import Viewer

log = structlog.get_logger(__name__)

CLOSED = frozenset(
    {ShipmentStatus.COMPLETED, ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED}
)


@dataclass(frozen=True, slots=True)
class DeliveryRequest:
    """Which boxes of a shipment go where, and in which window (aware times)."""

    shipment_id: uuid.UUID
    container_ids: Sequence[uuid.UUID]
    address: str
    window_from: datetime
    window_to: datetime
    zone: str = DEFAULT_ZONE
    # The boxes by ISO 6346 number, as a customer knows them (or by id above).
    container_numbers: Sequence[str] = ()

    @property
    def boxes_field(self) -> tuple[str, ...]:
        """The input that names the boxes, for errors about them."""
        return ("containerNumbers",) if self.container_numbers else ("containerIds",)


async def request_delivery(
    session: AsyncSession, viewer: Viewer, request: DeliveryRequest
) -> Delivery:
    """Order terminal delivery, priced per box from the tariff in force then.

    The consolidated invoice bills the deliveries requested before it is
    issued, so once it is issued a delivery is refused (INVOICE_ISSUED).
    """
    address = request.address.strip()
    _validate(request, address)
    shipment = await load_shipment(session, request.shipment_id, lock=True)
    if shipment.status in CLOSED:
        raise ConflictError(
            f"a {shipment.status.value} request takes no delivery",
            code="NOT_DELIVERABLE",
            field=("shipmentId",),
        )
    if await invoice_of_shipment(session, shipment.id) is not None:
        raise ConflictError(
            f"the invoice of request {shipment.reference} is issued: a delivery "
            "is requested before the invoice is finalised",
            code="INVOICE_ISSUED",
            field=("shipmentId",),
        )
    ids = list(request.container_ids)
    if request.container_numbers:
        ids += await containers_by_number(
            session, shipment.id, request.container_numbers, ("containerNumbers",)
        )
    boxes = await _boxes(session, shipment.id, ids, request.boxes_field)
    await _refuse_twice(session, shipment.id, ids, request.boxes_field)

    port = DEFAULT_PORT
    if shipment.vessel_call_id is not None:
        port = (
            await session.scalar(
                select(VesselCall.port).where(VesselCall.id == shipment.vessel_call_id)
            )
            or DEFAULT_PORT
        )
    _, book = await tariffs.in_force(session, port, request.window_from)
    price = sum(
        (book.delivery_rate(request.zone, size_class_of(b.size_type)) for b in boxes),
        Money.zero(book.currency),
    ).rounded()

    delivery = Delivery(
        organisation_id=shipment.organisation_id,
        shipment_id=shipment.id,
        container_ids=[b.id for b in boxes],
        address=address,
        zone=request.zone,
        window_from=request.window_from,
        window_to=request.window_to,
        status=DeliveryStatus.REQUESTED,
        amount=price.amount,
        currency=price.currency,
        requested_by_id=viewer.principal_id,
    )
    session.add(delivery)
    await session.flush()
    record(
        session,
        shipment_channel(shipment.id),
        "DELIVERY_REQUESTED",
        shipmentId=str(shipment.id),
        deliveryId=str(delivery.id),
    )
    log.info("delivery.requested", delivery_id=str(delivery.id), boxes=len(boxes))
    return delivery


def _validate(request: DeliveryRequest, address: str) -> None:
    if not address:
        raise ValidationError("give the delivery address", field=("address",))
    check_length(address, MAX_ADDRESS, ("address",))
    if request.window_to <= request.window_from:
        raise ValidationError(
            "the window must end after it starts", field=("windowTo",)
        )
    # A delivery is arranged for a time still to come.
    now = datetime.now(UTC)
    check_near(request.window_from, now=now, field=("windowFrom",))
    check_near(request.window_to, now=now, field=("windowTo",), behind=timedelta(0))
    if not request.container_ids and not request.container_numbers:
        raise ValidationError(
            "name at least one container", field=("containerNumbers",)
        )


async def _boxes(
    session: AsyncSession,
    shipment_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    field: tuple[str, ...],
) -> list[Container]:
    boxes = list(
        await session.scalars(
            select(Container)
            .where(Container.shipment_id == shipment_id, Container.id.in_(ids))
            .order_by(Container.number)
        )
    )
    if len(boxes) != len(set(ids)):
        raise NotFoundError("a container is not part of this shipment", field=field)
    gone = [b.number for b in boxes if b.gated_out_at is not None]
    if gone:
        raise ConflictError(
            f"already left the terminal: {', '.join(gone)}",
            code="ALREADY_GATED_OUT",
            field=field,
        )
    return boxes


async def _refuse_twice(
    session: AsyncSession,
    shipment_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    field: tuple[str, ...],
) -> None:
    clash = await session.scalar(
        select(Delivery.id).where(
            Delivery.shipment_id == shipment_id,
            Delivery.status == DeliveryStatus.REQUESTED,
            Delivery.container_ids.overlap(list(ids)),
        )
    )
    if clash is not None:
        raise ConflictError(
            "a container already has a delivery",
            code="DELIVERY_EXISTS",
            field=field,
        )
