"""Opening an import service request as a draft, and editing it until submitted."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.events import record, shipment_channel
from domain.models.identity import Representation
from domain.models.port import VesselCall
from domain.models.shipments import SHIPMENT_REFERENCES, Container, Shipment
from domain.services import bl_numbers, terminal_sync
from domain.services.draft_fields import DraftValues, ShipmentDraft, validated
from domain.services.shipments import add_to_timeline, change_status, load_shipment
from domain.shipment_status import EDITABLE, ShipmentStatus
from domain.viewer import PrincipalKind, Viewer

log = structlog.get_logger(__name__)

REFERENCE_PREFIX = "DMG"


def reference_for(number: int, at: datetime) -> str:
    """The human reference, e.g. DMG-2026-000123 (year of filing, sequence number)."""
    return f"{REFERENCE_PREFIX}-{at.year}-{number:06d}"


async def create_shipment(
    session: AsyncSession, viewer: Viewer, draft: ShipmentDraft, now: datetime
) -> Shipment:
    """Open a draft for the viewer's organisation or an importer it represents."""
    values = validated(draft)
    owner = await _consignee_organisation(session, viewer, draft)
    if draft.vessel_call_id is not None:
        await _require_vessel_call(session, draft.vessel_call_id)
    await bl_numbers.refuse_duplicate(session, owner, values.bl_number)

    number = int(await session.scalar(select(SHIPMENT_REFERENCES.next_value())) or 0)
    shipment = Shipment(
        id=uuid.uuid4(),
        organisation_id=owner,
        filed_by_organisation_id=viewer.organisation_id or owner,
        created_by_id=_user_id(viewer),
        reference=reference_for(number, now),
        reference_number=number,
        status=ShipmentStatus.DRAFT,
        services=[],
    )
    _apply(shipment, draft, values)
    session.add(shipment)
    await bl_numbers.flush_unique(session, values.bl_number)
    _replace_containers(session, shipment, values.containers)
    await terminal_sync.follow_shipment(session, shipment)
    add_to_timeline(
        session, viewer, shipment, None, ShipmentStatus.DRAFT, "request opened"
    )
    record(
        session, shipment_channel(shipment.id), "CREATED", shipmentId=str(shipment.id)
    )
    log.info(
        "shipment.created", shipment_id=str(shipment.id), reference=shipment.reference
    )
    return shipment


async def update_shipment(
    session: AsyncSession, viewer: Viewer, shipment_id: uuid.UUID, draft: ShipmentDraft
) -> Shipment:
    """Edit a draft; a rejected request is reopened as a draft by its first edit."""
    values = validated(draft)
    shipment = await load_shipment(session, shipment_id, lock=True)
    if shipment.status is ShipmentStatus.REJECTED:
        await change_status(
            session, viewer, shipment, ShipmentStatus.DRAFT, "reopened for changes"
        )
    if shipment.status not in EDITABLE:
        raise ConflictError(
            f"a {shipment.status.value} request can no longer be edited",
            code="NOT_EDITABLE",
        )
    if draft.vessel_call_id is not None:
        await _require_vessel_call(session, draft.vessel_call_id)
    await bl_numbers.refuse_duplicate(
        session, shipment.organisation_id, values.bl_number, other_than=shipment.id
    )

    _apply(shipment, draft, values)
    await bl_numbers.flush_unique(session, values.bl_number)
    if values.containers is not None:
        await session.execute(
            delete(Container).where(Container.shipment_id == shipment.id)
        )
        _replace_containers(session, shipment, values.containers)
    await session.flush()
    await terminal_sync.follow_shipment(session, shipment)
    record(
        session, shipment_channel(shipment.id), "UPDATED", shipmentId=str(shipment.id)
    )
    log.info("shipment.updated", shipment_id=str(shipment.id))
    return shipment


def _user_id(viewer: Viewer) -> uuid.UUID | None:
    return viewer.principal_id if viewer.kind is PrincipalKind.USER else None


async def _consignee_organisation(
    session: AsyncSession, viewer: Viewer, draft: ShipmentDraft
) -> uuid.UUID:
    """The consignee's organisation: the viewer's own, or an importer it represents."""
    wanted = draft.consignee_organisation_id or viewer.organisation_id
    field = ("consigneeOrganisationId",)
    if wanted is None:
        raise ValidationError("name the consignee's organisation", field=field)
    if wanted == viewer.organisation_id or viewer.is_staff:
        return wanted
    represented = await session.scalar(
        select(Representation.id).where(
            Representation.forwarder_id == viewer.organisation_id,
            Representation.importer_id == wanted,
        )
    )
    if represented is None:
        raise NotFoundError("no importer you act for has this id", field=field)
    return wanted


async def _require_vessel_call(session: AsyncSession, call_id: uuid.UUID) -> None:
    found = await session.scalar(select(VesselCall.id).where(VesselCall.id == call_id))
    if found is None:
        raise NotFoundError("no such vessel call", field=("vesselCallId",))


def _apply(shipment: Shipment, draft: ShipmentDraft, values: DraftValues) -> None:
    if values.bl_number is not None:
        shipment.bl_number = values.bl_number
    if draft.vessel_call_id is not None:
        shipment.vessel_call_id = draft.vessel_call_id
    if draft.consignee_name is not None:
        shipment.consignee_name = draft.consignee_name.strip() or None
    if values.consignee_npwp is not None:
        shipment.consignee_npwp = values.consignee_npwp
    if draft.services is not None:
        shipment.services = sorted(set(draft.services))
    if draft.notes is not None:
        shipment.notes = draft.notes.strip() or None


def _replace_containers(
    session: AsyncSession, shipment: Shipment, boxes: list[Container] | None
) -> None:
    for box in boxes or ():
        box.shipment_id = shipment.id
        box.organisation_id = shipment.organisation_id
        session.add(box)
