"""Handing a request in: the assistant checks it first, blocking findings keep it."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.documents import AssistantReport, Severity
from domain.errors import DomainError, ValidationError, ValidationErrors
from domain.filestore import FileStore
from domain.models.shipments import Container, Shipment
from domain.services.documents import assess, keep_check
from domain.services.shipments import change_status, load_shipment
from domain.shipment_status import ShipmentStatus, check_transition
from domain.viewer import Viewer

log = structlog.get_logger(__name__)


async def submit_shipment(
    session: AsyncSession, viewer: Viewer, store: FileStore, shipment_id: uuid.UUID
) -> tuple[Shipment, AssistantReport]:
    """Submit a draft for verification unless the assistant finds a blocking problem.

    Blocking findings come back as errors (their codes) and the request stays a
    DRAFT; warnings are kept with the submission for the operator to weigh.
    """
    shipment = await load_shipment(session, shipment_id, lock=True)
    check_transition(shipment.status, ShipmentStatus.SUBMITTED)
    await _require_complete(session, shipment)

    report = await assess(session, store, shipment)
    if report.is_blocked:
        log.info(
            "shipment.submit_blocked",
            shipment_id=str(shipment.id),
            codes=sorted({f.code for f in report.findings}),
        )
        raise ValidationErrors(_blocking_errors(report))

    keep_check(session, viewer, shipment, report, on_submit=True)
    warnings = len(report.findings)
    reason = f"submitted with {warnings} warning(s)" if warnings else "submitted"
    await change_status(session, viewer, shipment, ShipmentStatus.SUBMITTED, reason)
    return shipment, report


async def _require_complete(session: AsyncSession, shipment: Shipment) -> None:
    errors: list[DomainError] = []
    if shipment.bl_number is None:
        errors.append(_missing("a B/L number"))
    if shipment.vessel_call_id is None:
        errors.append(_missing("the vessel call"))
    count = await session.scalar(
        select(func.count()).where(Container.shipment_id == shipment.id)
    )
    if not count:
        errors.append(_missing("at least one container"))
    if errors:
        raise ValidationErrors(errors)


def _missing(what: str) -> DomainError:
    # The fields at fault are the request's, not this mutation's input: no path.
    return ValidationError(
        f"the request needs {what} before it is submitted", code="INCOMPLETE_REQUEST"
    )


def _blocking_errors(report: AssistantReport) -> list[DomainError]:
    return [
        DomainError(finding.message_en, code=finding.code)
        for finding in report.findings
        if finding.severity is Severity.BLOCKING
    ]
