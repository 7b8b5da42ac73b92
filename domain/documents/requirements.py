"""Which documents an import request needs, given the services it asks for."""

from __future__ import annotations

from dataclasses import dataclass

from domain.documents.model import DocumentKind, Service, Severity

# Services after which the goods leave customs control, so customs must have
# the declaration (PIB) and, before the box goes out, its release (SPPB).
RELEASE_SERVICES = frozenset({Service.PICKUP, Service.DELIVERY})
DECLARED_SERVICES = RELEASE_SERVICES | {Service.INSPECTION_HANDLING}


@dataclass(frozen=True, slots=True)
class DocumentRequirement:
    """A document the request needs, why, and how hard its absence weighs.

    `services` empty means always; `for_forwarder` means only when a forwarder
    files for the importer.
    """

    kind: DocumentKind
    reason_en: str
    reason_id: str
    severity: Severity = Severity.BLOCKING
    services: frozenset[Service] = frozenset()
    for_forwarder: bool = False

    def applies(self, services: frozenset[Service], filed_by_forwarder: bool) -> bool:
        if self.for_forwarder and not filed_by_forwarder:
            return False
        return not self.services or bool(self.services & services)


REQUIREMENTS: tuple[DocumentRequirement, ...] = (
    DocumentRequirement(
        DocumentKind.BILL_OF_LADING,
        "to identify the cargo, the consignee and the containers",
        "untuk mengenali barang, penerima dan peti kemas",
    ),
    DocumentRequirement(
        DocumentKind.DELIVERY_ORDER,
        "for the shipping line to release the containers to the consignee",
        "agar pelayaran menyerahkan peti kemas kepada penerima",
    ),
    DocumentRequirement(
        DocumentKind.COMMERCIAL_INVOICE,
        "to check the goods' value against the declaration",
        "untuk mencocokkan nilai barang dengan pemberitahuan pabean",
    ),
    DocumentRequirement(
        DocumentKind.PACKING_LIST,
        "to check packages and weights against the B/L",
        "untuk mencocokkan jumlah koli dan berat dengan B/L",
    ),
    DocumentRequirement(
        DocumentKind.PIB,
        "because customs must have the import declaration before release",
        "karena Bea Cukai harus menerima PIB sebelum barang dikeluarkan",
        services=DECLARED_SERVICES,
    ),
    # Customs often releases after the request is filed (green lane), so a
    # missing SPPB warns rather than blocks; pickup waits for it in readiness.
    DocumentRequirement(
        DocumentKind.SPPB,
        "before containers are picked up or delivered",
        "sebelum peti kemas diambil atau dikirim",
        severity=Severity.WARNING,
        services=RELEASE_SERVICES,
    ),
    DocumentRequirement(
        DocumentKind.POWER_OF_ATTORNEY,
        "because a forwarder files the request for the importer",
        "karena forwarder mengajukan permohonan atas nama importir",
        for_forwarder=True,
    ),
)


def required_documents(
    services: frozenset[Service], filed_by_forwarder: bool
) -> list[DocumentRequirement]:
    """The documents a request for these services needs, in a stable order."""
    return [r for r in REQUIREMENTS if r.applies(services, filed_by_forwarder)]
