"""Checks across documents and the request: containers, parties, references, vessel."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from domain.documents import labels as L
from domain.documents.dossier import Dossier, parses, same_npwp
from domain.documents.messages import finding
from domain.documents.model import (
    DocumentKind,
    ExtractedContainer,
    ExtractedDocument,
    Finding,
)
from domain.documents.values import compact, same_company, same_vessel_name
from domain.identifiers import ContainerNumber, ImoNumber, Npwp

K = DocumentKind


def containers(dossier: Dossier) -> Iterator[Finding]:
    """Every paper with a container table lists the reference's boxes and seals."""
    reference_kind, reference = dossier.reference_containers()
    if not reference:
        return
    first_reference = dossier.first(reference_kind)
    for document in dossier.documents:
        if document is not first_reference and document.containers:
            yield from _compare_boxes(document, reference_kind, reference)
    known = {box.number for box in reference}
    for i, box in enumerate(dossier.request.containers):
        if compact(box.number) not in known:
            yield finding(
                "container_extra",
                None,
                f"containers[{i}].number",
                box.number,
                reference=reference_kind,
            )


def _compare_boxes(
    document: ExtractedDocument,
    reference_kind: DocumentKind,
    reference: list[ExtractedContainer],
) -> Iterator[Finding]:
    pairs, missing, extra = _pair(reference, list(document.containers))
    for ref, box in pairs:
        if ref.seal and box.seal and ref.seal != box.seal:
            yield finding(
                "seal_mismatch",
                document.kind,
                _row_field(document, box, "seal"),
                box.seal,
                reference=reference_kind,
                page=box.page,
                container=ref.number,
                expected=ref.seal,
            )
    for box in extra:
        yield finding(
            "container_extra",
            document.kind,
            _row_field(document, box, "number"),
            box.number,
            reference=reference_kind,
            page=box.page,
        )
    key = "sppb_not_covering" if document.kind is K.SPPB else "container_missing"
    for ref in missing:
        yield finding(
            key, document.kind, "containers", ref.number, reference=reference_kind
        )


def _pair(
    reference: list[ExtractedContainer], others: list[ExtractedContainer]
) -> tuple[
    list[tuple[ExtractedContainer, ExtractedContainer]],
    list[ExtractedContainer],
    list[ExtractedContainer],
]:
    """Rows paired by number; a row whose number fails its check digit by seal.

    A mistyped number is reported once, as an identifier finding, not again as
    a missing and an extra box.
    """
    by_number = {box.number: box for box in reference}
    pairs = [(by_number.pop(b.number), b) for b in others if b.number in by_number]
    paired = {id(b) for _, b in pairs}
    extra: list[ExtractedContainer] = []
    for box in (b for b in others if id(b) not in paired):
        typo = parses(ContainerNumber.parse, box.number) is None
        twin = next((r for r in by_number.values() if r.seal == box.seal), None)
        if typo and twin is not None and box.seal:
            pairs.append((by_number.pop(twin.number), box))
        elif not typo:
            extra.append(box)
    return pairs, list(by_number.values()), extra


def _row_field(document: ExtractedDocument, box: ExtractedContainer, name: str) -> str:
    return f"containers[{document.containers.index(box)}].{name}"


@dataclass(frozen=True, slots=True)
class Claim:
    """A value one source states; source None is the request."""

    source: DocumentKind | None
    field: str
    value: str
    page: int | None = None


def consensus(
    claims: list[Claim],
    same: Callable[[str, str], bool],
    priority: tuple[DocumentKind | None, ...],
) -> tuple[Claim | None, list[Claim]]:
    """The value most sources agree on (ties to the first in priority), and dissent.

    Reporting the sources that leave the majority names the paper to fix, not
    every paper that disagrees with it.
    """
    rank = {source: i for i, source in enumerate(priority)}
    ordered = sorted(claims, key=lambda c: rank.get(c.source, len(priority)))
    groups: list[list[Claim]] = []
    for claim in ordered:
        group = next((g for g in groups if same(g[0].value, claim.value)), None)
        if group is None:
            groups.append([claim])
        else:
            group.append(claim)
    if not groups:
        return None, []
    winner = max(groups, key=len)
    return winner[0], [c for g in groups if g is not winner for c in g]


def _claims(dossier: Dossier, name: str, request_value: str | None) -> list[Claim]:
    claims = [Claim(None, name, request_value)] if request_value else []
    for document in dossier.documents:
        claims += [
            Claim(document.kind, f.name, f.value, f.page)
            for f in document.fields
            if f.name == name
        ]
    return claims


def _disagreements(
    key: str,
    claims: list[Claim],
    same: Callable[[str, str], bool],
    priority: tuple[DocumentKind | None, ...],
) -> Iterator[Finding]:
    reference, dissent = consensus(claims, same, priority)
    if reference is None:
        return
    for claim in dissent:
        yield finding(
            key,
            claim.source,
            claim.field,
            claim.value,
            reference=reference.source,
            page=claim.page,
            expected=reference.value,
        )


def _same_reference(a: str, b: str) -> bool:
    return compact(a) == compact(b)


def parties(dossier: Dossier) -> Iterator[Finding]:
    """The consignee's name and NPWP agree across the B/L, the PIB and the request."""
    request = dossier.request
    names = _claims(dossier, L.CONSIGNEE_NAME, request.consignee_name)
    yield from _disagreements(
        "consignee_mismatch", names, same_company, (K.BILL_OF_LADING, K.PIB, None)
    )
    # A malformed NPWP is already an identifier finding; compare the valid ones.
    npwps = [
        c
        for c in _claims(dossier, L.CONSIGNEE_NPWP, request.consignee_npwp)
        if parses(Npwp.parse, c.value)
    ]
    yield from _disagreements(
        "npwp_mismatch", npwps, same_npwp, (K.PIB, None, K.BILL_OF_LADING)
    )


def references(dossier: Dossier) -> Iterator[Finding]:
    """B/L, PIB and invoice numbers quoted on other papers match the originals."""
    bl_numbers = _claims(dossier, L.BL_NUMBER, dossier.request.bl_number)
    yield from _disagreements(
        "bl_number_mismatch", bl_numbers, _same_reference, (K.BILL_OF_LADING, None)
    )
    registrations = _claims(dossier, L.PIB_REGISTRATION, None)
    yield from _disagreements(
        "pib_registration_mismatch", registrations, _same_reference, (K.PIB,)
    )
    invoices = _claims(dossier, L.INVOICE_NUMBER, None)
    yield from _disagreements(
        "invoice_number_mismatch", invoices, _same_reference, (K.COMMERCIAL_INVOICE,)
    )


@dataclass(frozen=True, slots=True)
class _Vessel:
    name: str | None
    imo: str | None
    voyage: str | None
    source: DocumentKind | None


def vessel(dossier: Dossier) -> Iterator[Finding]:
    """Vessel and voyage on the B/L and DO are those of the request's call."""
    call = _call(dossier)
    if call is None:
        return
    for document in dossier.documents:
        if document.kind is call.source:
            continue
        stated = _vessel_of(document)
        yield from _vessel_findings(document, stated, call)


def _call(dossier: Dossier) -> _Vessel | None:
    request = dossier.request
    if request.vessel_name or request.vessel_imo or request.voyage:
        return _Vessel(request.vessel_name, request.vessel_imo, request.voyage, None)
    bill = dossier.first(K.BILL_OF_LADING)
    return _vessel_of(bill) if bill is not None else None


def _vessel_of(document: ExtractedDocument) -> _Vessel:
    return _Vessel(
        document.value(L.VESSEL_NAME),
        document.value(L.VESSEL_IMO),
        document.value(L.VOYAGE),
        document.kind,
    )


def _vessel_findings(
    document: ExtractedDocument, stated: _Vessel, call: _Vessel
) -> Iterator[Finding]:
    ours = parses(ImoNumber.parse, stated.imo or "")
    theirs = parses(ImoNumber.parse, call.imo or "")
    if ours is not None and theirs is not None:
        # The IMO number names the ship; names vary in spelling and prefix.
        if ours != theirs:
            yield _mismatch("vessel_mismatch", document, L.VESSEL_IMO, call, call.imo)
    elif stated.name and call.name and not same_vessel_name(stated.name, call.name):
        yield _mismatch("vessel_mismatch", document, L.VESSEL_NAME, call, call.name)
    if stated.voyage and call.voyage and compact(stated.voyage) != compact(call.voyage):
        yield _mismatch("voyage_mismatch", document, L.VOYAGE, call, call.voyage)


def _mismatch(
    key: str,
    document: ExtractedDocument,
    name: str,
    call: _Vessel,
    expected: str | None,
) -> Finding:
    field = document.get(name)
    return finding(
        key,
        document.kind,
        name,
        field.value if field else None,
        reference=call.source,
        page=field.page if field else None,
        expected=expected or "",
    )
