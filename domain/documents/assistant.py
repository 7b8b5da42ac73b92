"""The document assistant: read a shipment's papers against its request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import structlog

from domain.documents import checks, crosschecks
from domain.documents.dossier import Check, Dossier
from domain.documents.model import (
    AssistantReport,
    ExtractedDocument,
    Finding,
    Severity,
    ShipmentFacts,
)
from domain.documents.suggestions import container_suggestions, field_suggestions

log = structlog.get_logger(__name__)

CHECKS: tuple[Check, ...] = (
    checks.missing_documents,
    checks.text_layers,
    checks.identifiers,
    crosschecks.containers,
    crosschecks.parties,
    crosschecks.references,
    crosschecks.vessel,
    checks.delivery_order_validity,
    checks.packing_list_totals,
)


def check_shipment(
    request: ShipmentFacts, documents: Sequence[ExtractedDocument]
) -> AssistantReport:
    """Findings and suggestions for a request and its documents; changes nothing."""
    dossier = Dossier(request, tuple(documents))
    findings = _unique(f for check in CHECKS for f in check(dossier))
    report = AssistantReport(
        documents=dossier.documents,
        field_suggestions=tuple(field_suggestions(dossier)),
        container_suggestions=tuple(container_suggestions(dossier)),
        findings=findings,
    )
    log.info(
        "documents.checked",
        documents=len(dossier.documents),
        blocking=sum(f.severity is Severity.BLOCKING for f in findings),
        warnings=sum(f.severity is Severity.WARNING for f in findings),
    )
    return report


def _unique(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    seen: dict[tuple[object, ...], Finding] = {}
    for f in findings:
        seen.setdefault((f.code, f.document, f.field, f.value), f)
    return tuple(seen.values())
