"""Storage extensions: paying for the days a box stays beyond what was invoiced.

The consolidated invoice charges a box still in the yard up to the end of
its booked pickup slot (or to the moment of issue without one), which pays
its storage through the end of that local day. A truck booked for later
needs the extra days paid first: an extension is an invoice of its own,
numbered in the same gapless series, that charges only the storage days
(and reefer power blocks) between what was charged and the end of the box's
booked slot, or now without one. It is paid like the consolidated balance.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ConflictError
from domain.invoicing import StayExtension, compute_storage_extension
from domain.models.billing import TariffVersion
from domain.models.shipments import Container
from domain.services import invoices, stays, tariffs
from domain.services.invoices import IssuedInvoice
from domain.services.shipments import load_shipment
from domain.viewer import Viewer

log = structlog.get_logger(__name__)


async def extend_storage(
    session: AsyncSession, viewer: Viewer, shipment_id: uuid.UUID, now: datetime
) -> IssuedInvoice:
    """Invoice the storage of every box in the yard past what it has paid for.

    Refused before the consolidated invoice (NOT_INVOICED) and when every
    box's storage already covers its pickup (NOTHING_TO_EXTEND).
    """
    shipment = await load_shipment(session, shipment_id, lock=True)
    consolidated = await invoices.invoice_of_shipment(session, shipment.id)
    if consolidated is None:
        raise ConflictError(
            "storage is extended once the request is invoiced",
            code="NOT_INVOICED",
            field=("shipmentId",),
        )
    boxes = await _in_yard(session, shipment.id)

    # The tariff of the consolidated invoice: the one in force at discharge.
    version = await session.get_one(TariffVersion, consolidated.tariff_version_id)
    book = tariffs.book_of(version)
    targets = stays.stay_targets(boxes, await stays.pickup_ends(session, boxes), now)
    usage = {
        u.container_number: u
        for u in await invoices.usage_of(session, shipment, boxes, book)
    }
    longer = [
        StayExtension(usage[b.number], b.charged_until, targets[b.number])
        for b in boxes
        if b.charged_until is not None
        and b.storage_paid_through is not None
        and targets[b.number] > b.storage_paid_through
    ]
    draft = compute_storage_extension(book, longer)
    if not draft.lines:
        raise ConflictError(
            "the storage paid covers every booked pickup",
            code="NOTHING_TO_EXTEND",
            field=("shipmentId",),
        )

    invoice = await invoices.store_invoice(
        session, viewer, shipment, version, draft, now, extends=consolidated
    )
    invoice.charged_until = max(s.extend_to for s in longer)
    extended = {s.usage.container_number: s.extend_to for s in longer}
    stays.mark_charged(book, boxes, list(usage.values()), extended)
    lines = invoices.store_lines(session, invoice, draft)
    await invoices.announce_issued(session, invoice)
    log.info(
        "invoice.storage_extended",
        invoice_id=str(invoice.id),
        number=invoice.number,
        boxes=len(longer),
    )
    return IssuedInvoice(invoice, lines)


async def _in_yard(session: AsyncSession, shipment_id: uuid.UUID) -> list[Container]:
    boxes = list(
        await session.scalars(
            select(Container)
            .where(
                Container.shipment_id == shipment_id,
                Container.gated_out_at.is_(None),
                Container.discharged_at.is_not(None),
            )
            .order_by(Container.number)
        )
    )
    if not boxes:
        raise ConflictError(
            "no box of the request is in the yard",
            code="NOTHING_TO_EXTEND",
            field=("shipmentId",),
        )
    return boxes
