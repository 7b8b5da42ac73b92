"""Values for the request form, read from the documents; offered, never applied."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from domain.documents import labels as L
from domain.documents.dossier import Dossier, parses, same_npwp
from domain.documents.model import (
    ContainerFacts,
    ContainerSuggestion,
    DocumentKind,
    ExtractedContainer,
    FieldSuggestion,
    ShipmentFacts,
    SourceRef,
)
from domain.documents.values import compact, same_company, same_vessel_name
from domain.identifiers import ContainerNumber, ImoNumber, Npwp, SizeTypeCode

K = DocumentKind


def _same_compact(a: str, b: str) -> bool:
    return compact(a) == compact(b)


def _any(text: str) -> bool:
    return bool(text)


def _valid_imo(text: str) -> bool:
    return parses(ImoNumber.parse, text) is not None


def _valid_npwp(text: str) -> bool:
    return parses(Npwp.parse, text) is not None


@dataclass(frozen=True, slots=True)
class _Source:
    """Where a request field's value is read from, best document first."""

    request_field: str
    document_field: str
    kinds: tuple[DocumentKind, ...]
    same: Callable[[str, str], bool]
    usable: Callable[[str], bool] = _any


_SOURCES = (
    _Source(
        "bl_number", L.BL_NUMBER, (K.BILL_OF_LADING, K.DELIVERY_ORDER), _same_compact
    ),
    _Source(
        "vessel_name",
        L.VESSEL_NAME,
        (K.BILL_OF_LADING, K.DELIVERY_ORDER),
        same_vessel_name,
    ),
    _Source("vessel_imo", L.VESSEL_IMO, (K.BILL_OF_LADING,), _same_compact, _valid_imo),
    _Source("voyage", L.VOYAGE, (K.BILL_OF_LADING, K.DELIVERY_ORDER), _same_compact),
    _Source(
        "consignee_name",
        L.CONSIGNEE_NAME,
        (K.BILL_OF_LADING, K.PIB, K.DELIVERY_ORDER),
        same_company,
    ),
    # The PIB's NPWP is the one customs registered; the B/L's is the line's copy.
    _Source(
        "consignee_npwp",
        L.CONSIGNEE_NPWP,
        (K.PIB, K.BILL_OF_LADING),
        same_npwp,
        _valid_npwp,
    ),
)


def field_suggestions(dossier: Dossier) -> list[FieldSuggestion]:
    """A suggestion for each request field a document states differently or at all."""
    return list(_field_suggestions(dossier))


def _field_suggestions(dossier: Dossier) -> Iterator[FieldSuggestion]:
    request = dossier.request
    for source in _SOURCES:
        current = _current(request, source.request_field)
        for kind in source.kinds:
            document = dossier.first(kind)
            found = document.get(source.document_field) if document else None
            if found is None or not source.usable(found.value):
                continue
            if current is None or not source.same(current, found.value):
                ref = SourceRef(kind, found.page, found.text)
                yield FieldSuggestion(source.request_field, found.value, current, ref)
            break


def _current(request: ShipmentFacts, name: str) -> str | None:
    values = {
        "bl_number": request.bl_number,
        "vessel_name": request.vessel_name,
        "vessel_imo": request.vessel_imo,
        "voyage": request.voyage,
        "consignee_name": request.consignee_name,
        "consignee_npwp": request.consignee_npwp,
    }
    return values[name] or None


def container_suggestions(dossier: Dossier) -> list[ContainerSuggestion]:
    """The reference paper's valid containers the request lacks or states otherwise."""
    kind, rows = dossier.reference_containers()
    current = {compact(c.number): c for c in dossier.request.containers}
    suggestions = []
    for row in rows:
        if parses(ContainerNumber.parse, row.number) is None:
            continue
        facts = _facts(row)
        if current.get(facts.number) != facts:
            suggestions.append(
                ContainerSuggestion(facts, SourceRef(kind, row.page, row.text))
            )
    return suggestions


def _facts(row: ExtractedContainer) -> ContainerFacts:
    size_type = parses(SizeTypeCode.parse, row.size_type or "")
    return ContainerFacts(
        number=row.number,
        size_type=str(size_type) if size_type else None,
        seal=row.seal,
        packages=row.packages,
        gross_kg=row.gross_kg,
    )
