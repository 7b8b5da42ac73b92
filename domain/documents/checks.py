"""Checks of each document on its own: presence, legibility, identifiers, dates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

from domain.documents import labels as L
from domain.documents.dossier import Dossier
from domain.documents.messages import finding
from domain.documents.model import DocumentKind, ExtractedDocument, Finding
from domain.documents.requirements import required_documents
from domain.documents.values import plain
from domain.errors import ValidationError
from domain.identifiers import ContainerNumber, HsCode, ImoNumber, Npwp

# Packing list against B/L: weights may differ by rounding and tare notes up to
# 0.5 % of the B/L's total; the package count must agree exactly.
WEIGHT_TOLERANCE = Decimal("0.005")


def missing_documents(dossier: Dossier) -> Iterator[Finding]:
    """A finding for each document the requested services need but nobody uploaded."""
    request = dossier.request
    for need in required_documents(request.services, request.filed_by_forwarder):
        if dossier.of_kind(need.kind):
            continue
        if need.kind is DocumentKind.SPPB:
            yield finding("sppb_missing", need.kind, None, None)
        else:
            yield finding(
                "missing_document",
                need.kind,
                None,
                None,
                reason_en=need.reason_en,
                reason_id=need.reason_id,
            )


def text_layers(dossier: Dossier) -> Iterator[Finding]:
    """Say which files or pages were not read, instead of guessing at them."""
    for document in dossier.documents:
        if document.unreadable:
            yield finding("unreadable", document.kind, None, None)
        elif document.pages_without_text:
            pages = ", ".join(str(p) for p in document.pages_without_text)
            page = document.pages_without_text[0]
            yield finding("no_text_layer", document.kind, "pages", pages, page=page)


_FIELD_PARSERS: dict[str, Callable[[str], object]] = {
    L.VESSEL_IMO: ImoNumber.parse,
    L.CONSIGNEE_NPWP: Npwp.parse,
    L.HS_CODE: HsCode.parse,
}


def identifiers(dossier: Dossier) -> Iterator[Finding]:
    """Container, IMO, NPWP and HS code values that break their rules."""
    for document in dossier.documents:
        seen: set[tuple[str, str]] = set()
        for found in _identifier_errors(document):
            if (found.code, found.value or "") not in seen:
                seen.add((found.code, found.value or ""))
                yield found


def _identifier_errors(document: ExtractedDocument) -> Iterator[Finding]:
    for i, box in enumerate(document.containers):
        error = _error(ContainerNumber.parse, box.number)
        if error is not None:
            yield finding(
                error.code,
                document.kind,
                f"containers[{i}].number",
                box.number,
                page=box.page,
            )
    for field in document.fields:
        parse = _FIELD_PARSERS.get(field.name)
        error = _error(parse, field.value) if parse else None
        if error is not None:
            yield finding(
                error.code, document.kind, field.name, field.value, page=field.page
            )


def _error(parse: Callable[[str], object], text: str) -> ValidationError | None:
    try:
        parse(text)
    except ValidationError as error:
        return error
    return None


def delivery_order_validity(dossier: Dossier) -> Iterator[Finding]:
    """A DO must still be valid on the day the vessel is expected."""
    eta = dossier.request.eta
    if eta is None:
        return
    for document in dossier.of_kind(DocumentKind.DELIVERY_ORDER):
        valid = document.get(L.VALID_UNTIL)
        until = _iso_date(valid.value) if valid else None
        if valid is not None and until is not None and until < eta:
            yield finding(
                "do_expires_before_eta",
                document.kind,
                L.VALID_UNTIL,
                valid.value,
                page=valid.page,
                expected=eta.isoformat(),
            )


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def packing_list_totals(dossier: Dossier) -> Iterator[Finding]:
    """Packing-list totals against the sum of the B/L's container rows."""
    bill = dossier.first(DocumentKind.BILL_OF_LADING)
    if bill is None or not bill.containers:
        return
    packages = [b.packages for b in bill.containers]
    weights = [b.gross_kg for b in bill.containers]
    for document in dossier.of_kind(DocumentKind.PACKING_LIST):
        if None not in packages:
            yield from _packages(document, sum(p for p in packages if p is not None))
        if None not in weights:
            total = sum((w for w in weights if w is not None), Decimal(0))
            yield from _weight(document, total)


def _packages(document: ExtractedDocument, expected: int) -> Iterator[Finding]:
    total = document.get(L.TOTAL_PACKAGES)
    if total is None or not _is_number(total.value):
        return
    if Decimal(total.value) != expected:
        yield finding(
            "package_mismatch",
            document.kind,
            L.TOTAL_PACKAGES,
            total.value,
            reference=DocumentKind.BILL_OF_LADING,
            page=total.page,
            expected=str(expected),
        )


def _weight(document: ExtractedDocument, expected: Decimal) -> Iterator[Finding]:
    total = document.get(L.TOTAL_GROSS_KG)
    if total is None or not _is_number(total.value):
        return
    if abs(Decimal(total.value) - expected) > expected * WEIGHT_TOLERANCE:
        yield finding(
            "weight_mismatch",
            document.kind,
            L.TOTAL_GROSS_KG,
            total.value,
            reference=DocumentKind.BILL_OF_LADING,
            page=total.page,
            expected=plain(expected),
            tolerance=f"{WEIGHT_TOLERANCE:.1%}",
        )


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()
