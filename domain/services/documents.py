"""A shipment's documents: upload, the assistant's check, and what is still needed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.documents import (
    AssistantReport,
    ContainerFacts,
    DocumentKind,
    DocumentRequirement,
    ExtractedDocument,
    Finding,
    Service,
    ShipmentFacts,
    check_shipment,
    read_document,
    required_documents,
)
from domain.documents import labels as L
from domain.errors import ConflictError, ValidationError
from domain.events import record, shipment_channel
from domain.filestore import FileStore
from domain.models.documents import Document, DocumentCheck
from domain.models.port import Vessel, VesselCall
from domain.models.shipments import Container, ServiceKind, Shipment
from domain.services.shipments import load_shipment
from domain.shipment_status import ShipmentStatus
from domain.time_bounds import check_near_day, day_is_near
from domain.viewer import PrincipalKind, Viewer

log = structlog.get_logger(__name__)

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
# Magic numbers: PDF 1.7 (ISO 32000-1 §7.5.2), PNG (RFC 2083 §3.1), JPEG SOI.
MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
# Declared types that say nothing about the content; the bytes decide.
VAGUE_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
CLOSED = frozenset({ShipmentStatus.COMPLETED, ShipmentStatus.CANCELLED})
MAX_FILENAME = 255
# A DO is issued for the weeks around a call; two years ahead is already odd.
DO_AHEAD = timedelta(days=2 * 366)
DEFAULT_PORT_ZONE = "Asia/Jakarta"
# Eastern Indonesian ports keep WITA (UTC+8); the ETA date is the port's date.
PORT_ZONES = {"IDMAK": "Asia/Makassar", "IDBPN": "Asia/Makassar"}
# The request's services name lift-on/lift-off as the tariff does.
_SERVICES = {ServiceKind.LIFT_ON_OFF: Service.LIFT_ON_LIFT_OFF}


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as it came in: the name and type the client gave, and the bytes.

    For a Delivery Order the customer may type its validity (local days);
    what the assistant reads from the document later takes its place.
    """

    kind: DocumentKind
    filename: str
    declared_type: str
    content: bytes
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class Requirement:
    """A document the request needs, and whether one of its kind is uploaded."""

    requirement: DocumentRequirement
    uploaded: bool


def content_type_of(content: bytes) -> str | None:
    """The accepted type the bytes are (PDF, PNG or JPEG), or None."""
    return next((kind for magic, kind in MAGIC if content.startswith(magic)), None)


async def upload_document(
    session: AsyncSession,
    viewer: Viewer,
    store: FileStore,
    shipment_id: uuid.UUID,
    upload: Upload,
    *,
    max_bytes: int,
) -> Document:
    """Attach a PDF, PNG or JPEG to a request; the bytes, not the label, decide."""
    content_type = _check_file(upload, max_bytes)
    _check_validity(upload)
    shipment = await load_shipment(session, shipment_id)
    if shipment.status in CLOSED:
        raise ConflictError(
            f"a {shipment.status.value} request takes no more documents",
            code="NOT_EDITABLE",
        )

    # Stored before the row: an aborted transaction leaves at most an
    # unreferenced blob, never a row without its bytes.
    digest = await store.put(upload.content)
    document = Document(
        organisation_id=shipment.organisation_id,
        shipment_id=shipment.id,
        kind=upload.kind,
        filename=_safe_filename(upload.filename),
        content_type=content_type,
        size_bytes=len(upload.content),
        sha256=digest,
        valid_from=upload.valid_from,
        valid_until=upload.valid_until,
        uploaded_by_id=None
        if viewer.kind is PrincipalKind.SYSTEM
        else viewer.principal_id,
    )
    session.add(document)
    await session.flush()
    record(
        session,
        shipment_channel(shipment.id),
        "DOCUMENT_UPLOADED",
        shipmentId=str(shipment.id),
        documentId=str(document.id),
    )
    log.info(
        "document.uploaded",
        shipment_id=str(shipment.id),
        kind=upload.kind.value,
        size_bytes=len(upload.content),
    )
    return document


def _check_file(upload: Upload, max_bytes: int) -> str:
    field = ("file",)
    if not upload.content:
        raise ValidationError("the file is empty", code="EMPTY_FILE", field=field)
    if len(upload.content) > max_bytes:
        raise ValidationError(
            f"the file is larger than {max_bytes} bytes",
            code="FILE_TOO_LARGE",
            field=field,
        )
    actual = content_type_of(upload.content)
    if actual is None:
        raise ValidationError(
            "only PDF, PNG and JPEG files are accepted",
            code="UNSUPPORTED_FILE_TYPE",
            field=field,
        )
    declared = upload.declared_type.split(";")[0].strip().lower()
    if declared not in VAGUE_TYPES and declared != actual:
        raise ValidationError(
            f"the file says it is {declared} but its content is {actual}",
            code="CONTENT_TYPE_MISMATCH",
            field=field,
        )
    return actual


def _check_validity(upload: Upload) -> None:
    if upload.valid_from is None and upload.valid_until is None:
        return
    if upload.kind is not DocumentKind.DELIVERY_ORDER:
        raise ValidationError(
            "only a Delivery Order has a validity",
            code="NOT_A_DELIVERY_ORDER",
            field=("validUntil",),
        )
    if upload.valid_until is None:
        raise ValidationError(
            "give the last day the DO is valid", field=("validUntil",)
        )
    if upload.valid_from is not None and upload.valid_from > upload.valid_until:
        raise ValidationError(
            "the DO cannot lapse before it is issued", field=("validFrom",)
        )
    # Days near the calendar's ends overflow the moments a DO stands for.
    now = datetime.now(UTC)
    check_near_day(upload.valid_until, now=now, field=("validUntil",), ahead=DO_AHEAD)
    if upload.valid_from is not None:
        check_near_day(upload.valid_from, now=now, field=("validFrom",), ahead=DO_AHEAD)


def _safe_filename(name: str) -> str:
    base = PureWindowsPath(PurePosixPath(name).name).name
    printable = "".join(c for c in base if c.isprintable() and c not in '"\\')
    return printable.strip()[:MAX_FILENAME] or "document"


async def check_documents(
    session: AsyncSession, viewer: Viewer, store: FileStore, shipment_id: uuid.UUID
) -> tuple[Shipment, AssistantReport]:
    """Run the assistant over a request's documents and keep its findings."""
    shipment = await load_shipment(session, shipment_id)
    report = await assess(session, store, shipment)
    keep_check(session, viewer, shipment, report, on_submit=False)
    record(
        session,
        shipment_channel(shipment.id),
        "DOCUMENTS_CHECKED",
        shipmentId=str(shipment.id),
    )
    return shipment, report


def keep_check(
    session: AsyncSession,
    viewer: Viewer,
    shipment: Shipment,
    report: AssistantReport,
    *,
    on_submit: bool,
) -> DocumentCheck:
    """Store a report's findings with the request, as they were at this moment."""
    check = DocumentCheck(
        organisation_id=shipment.organisation_id,
        shipment_id=shipment.id,
        on_submit=on_submit,
        blocking=report.is_blocked,
        findings=[finding_json(f) for f in report.findings],
        checked_by_id=None
        if viewer.kind is PrincipalKind.SYSTEM
        else viewer.principal_id,
    )
    session.add(check)
    return check


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as a JSON object, enums as their values."""
    data = asdict(finding)
    data["severity"] = finding.severity.value
    data["document"] = finding.document.value if finding.document else None
    return data


def finding_from_json(data: dict[str, Any]) -> Finding:
    """The finding a stored JSON object describes."""
    values = dict(data)
    values["document"] = DocumentKind(data["document"]) if data["document"] else None
    return Finding(**values)


async def assess(
    session: AsyncSession, store: FileStore, shipment: Shipment
) -> AssistantReport:
    """Read every document of the request and check them against it, off the loop."""
    documents = list(
        await session.scalars(
            select(Document)
            .where(Document.shipment_id == shipment.id)
            .order_by(Document.created_at, Document.id)
        )
    )
    files = [(d.kind, await store.get(d.sha256), d.content_type) for d in documents]
    facts = await shipment_facts(session, shipment)
    # Reading PDFs is CPU-bound: a worker thread keeps the event loop serving.
    report = await asyncio.to_thread(_read_and_check, facts, files)
    keep_validity(documents, report.documents)
    return report


def keep_validity(
    documents: Sequence[Document], extracted: Sequence[ExtractedDocument]
) -> None:
    """Store what the assistant read of each DO's validity on its row.

    `extracted` holds the reading of each of `documents`, in the same order.
    A reading without a date leaves what is stored, so an unreadable re-check
    does not erase a validity read before.
    """
    for row, reading in zip(documents, extracted, strict=True):
        if row.kind is not DocumentKind.DELIVERY_ORDER:
            continue
        valid_from = iso_day(reading.value(L.ISSUE_DATE))
        valid_until = iso_day(reading.value(L.VALID_UNTIL))
        # A reading far from now is a misreading: what is stored stays.
        if valid_until is None or not day_is_near(
            valid_until, now=datetime.now(UTC), ahead=DO_AHEAD
        ):
            continue
        if valid_from is not None and (
            valid_from > valid_until
            or not day_is_near(valid_from, now=datetime.now(UTC), ahead=DO_AHEAD)
        ):
            valid_from = None
        if (row.valid_from, row.valid_until) != (valid_from, valid_until):
            row.valid_from, row.valid_until = valid_from, valid_until
            log.info(
                "delivery_order.validity_read",
                document_id=str(row.id),
                valid_until=valid_until.isoformat(),
            )


def iso_day(text: str | None) -> date | None:
    """The day an extracted ISO 8601 date names, or None."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _read_and_check(
    facts: ShipmentFacts, files: Sequence[tuple[DocumentKind, bytes, str]]
) -> AssistantReport:
    extracted: list[ExtractedDocument] = [
        read_document(kind, content, content_type)
        for kind, content, content_type in files
    ]
    return check_shipment(facts, extracted)


async def shipment_facts(session: AsyncSession, shipment: Shipment) -> ShipmentFacts:
    """What the request and its vessel call say, as the assistant compares them."""
    boxes = await session.scalars(
        select(Container)
        .where(Container.shipment_id == shipment.id)
        .order_by(Container.number)
    )
    call = await _vessel_call(session, shipment.vessel_call_id)
    vessel_call, vessel = call if call is not None else (None, None)
    eta = None
    if vessel_call is not None and vessel_call.eta is not None:
        zone = ZoneInfo(PORT_ZONES.get(vessel_call.port, DEFAULT_PORT_ZONE))
        eta = vessel_call.eta.astimezone(zone).date()
    return ShipmentFacts(
        bl_number=shipment.bl_number,
        consignee_name=shipment.consignee_name,
        consignee_npwp=shipment.consignee_npwp,
        vessel_name=vessel.name if vessel else None,
        vessel_imo=vessel.imo if vessel else None,
        voyage=vessel_call.voyage if vessel_call else None,
        eta=eta,
        containers=tuple(_facts(box) for box in boxes),
        services=assistant_services(shipment.services),
        filed_by_forwarder=shipment.filed_by_organisation_id
        != shipment.organisation_id,
    )


def assistant_services(services: Sequence[ServiceKind]) -> frozenset[Service]:
    """The request's services in the assistant's vocabulary."""
    return frozenset(
        _SERVICES[s] if s in _SERVICES else Service(s.value) for s in services
    )


def _facts(box: Container) -> ContainerFacts:
    return ContainerFacts(
        number=box.number,
        size_type=box.size_type,
        seal=box.seal,
        packages=box.packages,
        gross_kg=None if box.gross_kg is None else Decimal(box.gross_kg),
    )


async def _vessel_call(
    session: AsyncSession, call_id: uuid.UUID | None
) -> tuple[VesselCall, Vessel] | None:
    if call_id is None:
        return None
    row = (
        await session.execute(
            select(VesselCall, Vessel)
            .join(Vessel, Vessel.id == VesselCall.vessel_id)
            .where(VesselCall.id == call_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def requirements(
    session: AsyncSession, shipment_id: uuid.UUID
) -> tuple[Shipment, list[Requirement]]:
    """The documents a request needs for its services, and which are uploaded."""
    shipment = await load_shipment(session, shipment_id)
    kinds = set(
        await session.scalars(
            select(Document.kind).where(Document.shipment_id == shipment.id).distinct()
        )
    )
    needs = required_documents(
        assistant_services(shipment.services),
        shipment.filed_by_organisation_id != shipment.organisation_id,
    )
    return shipment, [Requirement(need, need.kind in kinds) for need in needs]
