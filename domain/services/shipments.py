"""Import service requests: open and edit a draft, verify, move the status on."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    ValidationErrors,
)
from domain.events import record, shipment_channel
from domain.identifiers import ContainerNumber, Npwp, SizeTypeCode
from domain.models.identity import Representation, Role
from domain.models.port import VesselCall
from domain.models.shipments import (
    SHIPMENT_REFERENCES,
    Container,
    ServiceKind,
    Shipment,
    ShipmentStatusChange,
)
from domain.services import bl_numbers, terminal_sync
from domain.shipment_status import EDITABLE, ShipmentStatus, check_transition
from domain.text_limits import (
    MAX_NAME,
    MAX_NOTES,
    MAX_SEAL,
    check_reasons,
    too_long,
)
from domain.viewer import PrincipalKind, Viewer

log = structlog.get_logger(__name__)

REFERENCE_PREFIX = "DMG"
MAX_BL_LENGTH = 40
MAX_CONTAINERS = 500
Path = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContainerEntry:
    """A box as the customer types it into the request."""

    number: str
    size_type: str
    seal: str | None = None
    packages: int | None = None
    gross_kg: int | None = None


@dataclass(frozen=True, slots=True)
class ShipmentDraft:
    """The fields of a request; on an update, None leaves a field as it is.

    The consignee's organisation is chosen when the request is opened and
    never changes: every row of the request belongs to it.
    """

    consignee_organisation_id: uuid.UUID | None = None
    bl_number: str | None = None
    vessel_call_id: uuid.UUID | None = None
    consignee_name: str | None = None
    consignee_npwp: str | None = None
    services: Sequence[ServiceKind] | None = None
    notes: str | None = None
    containers: Sequence[ContainerEntry] | None = None


def reference_for(number: int, at: datetime) -> str:
    """The human reference, e.g. DMG-2026-000123 (year of filing, sequence number)."""
    return f"{REFERENCE_PREFIX}-{at.year}-{number:06d}"


async def create_shipment(
    session: AsyncSession, viewer: Viewer, draft: ShipmentDraft, now: datetime
) -> Shipment:
    """Open a draft for the viewer's organisation or an importer it represents."""
    values = _validated(draft)
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
    await _follow_terminal(session, shipment)
    _timeline(session, viewer, shipment, None, ShipmentStatus.DRAFT, "request opened")
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
    values = _validated(draft)
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
    await _follow_terminal(session, shipment)
    record(
        session, shipment_channel(shipment.id), "UPDATED", shipmentId=str(shipment.id)
    )
    log.info("shipment.updated", shipment_id=str(shipment.id))
    return shipment


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

    target = ShipmentStatus.VERIFIED if approve else ShipmentStatus.REJECTED
    reason = "; ".join(reasons) or "documents verified"
    await change_status(session, viewer, shipment, target, reason)
    return shipment


async def load_shipment(
    session: AsyncSession,
    shipment_id: uuid.UUID,
    *,
    lock: bool = False,
    field: Path = ("shipmentId",),
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
    _timeline(session, viewer, shipment, previous, target, reason)
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


def _timeline(
    session: AsyncSession,
    viewer: Viewer,
    shipment: Shipment,
    previous: ShipmentStatus | None,
    target: ShipmentStatus,
    reason: str | None,
) -> None:
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


@dataclass(frozen=True, slots=True)
class _Values:
    """Input values after validation, in their stored form."""

    bl_number: str | None
    consignee_npwp: str | None
    containers: list[Container] | None


def _validated(draft: ShipmentDraft) -> _Values:
    """Normalise the draft's identifiers, collecting every error with its path."""
    errors: list[DomainError] = []
    bl_number = _bl_number(draft.bl_number, errors)
    npwp = _npwp(draft.consignee_npwp, errors)
    containers = (
        _containers(draft.containers, errors) if draft.containers is not None else None
    )
    for text, limit, field in (
        (draft.consignee_name, MAX_NAME, "consigneeName"),
        (draft.notes, MAX_NOTES, "notes"),
    ):
        error = too_long(text, limit, (field,))
        if error is not None:
            errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    return _Values(bl_number, npwp, containers)


def _bl_number(text: str | None, errors: list[DomainError]) -> str | None:
    if text is None:
        return None
    compact = "".join(text.split()).upper()
    if not compact or len(compact) > MAX_BL_LENGTH or not compact.isalnum():
        errors.append(
            ValidationError(
                f"a B/L number is 1 to {MAX_BL_LENGTH} letters and digits",
                code="INVALID_BL_NUMBER",
                field=("blNumber",),
            )
        )
    return compact


def _npwp(text: str | None, errors: list[DomainError]) -> str | None:
    if text is None:
        return None
    try:
        return Npwp.parse(text).value
    except ValidationError as error:
        errors.append(_at(error, ("consigneeNpwp",)))
        return None


def _containers(
    entries: Sequence[ContainerEntry], errors: list[DomainError]
) -> list[Container]:
    if len(entries) > MAX_CONTAINERS:
        errors.append(
            ValidationError(
                f"at most {MAX_CONTAINERS} containers on one request",
                code="TOO_MANY_CONTAINERS",
                field=("containers",),
            )
        )
        return []
    seen: set[str] = set()
    boxes = []
    for index, entry in enumerate(entries):
        box = _container(entry, ("containers", str(index)), seen, errors)
        if box is not None:
            boxes.append(box)
    return boxes


def _container(
    entry: ContainerEntry, path: Path, seen: set[str], errors: list[DomainError]
) -> Container | None:
    found = len(errors)
    number = _parsed(ContainerNumber.parse, entry.number, (*path, "number"), errors)
    size_type = _parsed(
        SizeTypeCode.parse, entry.size_type, (*path, "sizeType"), errors
    )
    if number is not None and number in seen:
        errors.append(
            ConflictError(
                f"{number} is listed twice",
                code="DUPLICATE_CONTAINER",
                field=(*path, "number"),
            )
        )
    for name, value in (("packages", entry.packages), ("grossKg", entry.gross_kg)):
        if value is not None and value < 0:
            errors.append(
                ValidationError(f"{name} cannot be negative", field=(*path, name))
            )
    seal_error = too_long(entry.seal, MAX_SEAL, (*path, "seal"))
    if seal_error is not None:
        errors.append(seal_error)
    if number is not None:
        seen.add(number)
    if len(errors) > found or number is None or size_type is None:
        return None
    seal = entry.seal.strip().upper() if entry.seal and entry.seal.strip() else None
    return Container(
        number=number,
        size_type=size_type,
        seal=seal,
        packages=entry.packages,
        gross_kg=entry.gross_kg,
    )


def _parsed(
    parse: Callable[[str], ContainerNumber | SizeTypeCode],
    text: str,
    path: Path,
    errors: list[DomainError],
) -> str | None:
    try:
        return str(parse(text))
    except ValidationError as error:
        errors.append(_at(error, path))
        return None


def _at(error: DomainError, path: Path) -> DomainError:
    return ValidationError(error.message, code=error.code, field=path)


def _apply(shipment: Shipment, draft: ShipmentDraft, values: _Values) -> None:
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


async def _follow_terminal(session: AsyncSession, shipment: Shipment) -> None:
    """Boxes the terminal reported on before the request named them take that state."""
    if shipment.vessel_call_id is None:
        return
    await session.flush()
    numbers = await session.scalars(
        select(Container.number).where(Container.shipment_id == shipment.id)
    )
    call_id = shipment.vessel_call_id
    await terminal_sync.refresh_containers(session, [(n, call_id) for n in numbers])


def _replace_containers(
    session: AsyncSession, shipment: Shipment, boxes: list[Container] | None
) -> None:
    for box in boxes or ():
        box.shipment_id = shipment.id
        box.organisation_id = shipment.organisation_id
        session.add(box)
