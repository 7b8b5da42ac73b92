"""What the document assistant reads, is told, and reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class DocumentKind(enum.StrEnum):
    """The papers of an import shipment the portal accepts."""

    BILL_OF_LADING = "BILL_OF_LADING"
    DELIVERY_ORDER = "DELIVERY_ORDER"
    PIB = "PIB"
    SPPB = "SPPB"
    COMMERCIAL_INVOICE = "COMMERCIAL_INVOICE"
    PACKING_LIST = "PACKING_LIST"
    POWER_OF_ATTORNEY = "POWER_OF_ATTORNEY"
    OTHER = "OTHER"


class Service(enum.StrEnum):
    """A terminal service the customer asks for in an import request."""

    DISCHARGE = "DISCHARGE"
    STORAGE = "STORAGE"
    LIFT_ON_LIFT_OFF = "LIFT_ON_LIFT_OFF"
    PICKUP = "PICKUP"
    DELIVERY = "DELIVERY"
    INSPECTION_HANDLING = "INSPECTION_HANDLING"


class Severity(enum.StrEnum):
    """BLOCKING keeps a shipment in DRAFT; WARNING is for a person to look at."""

    BLOCKING = "BLOCKING"
    WARNING = "WARNING"


@dataclass(frozen=True, slots=True)
class ExtractedField:
    """One value read from a document, with the page (from 1) and line it came from.

    `value` is normalised: dates ISO 8601, numbers plain decimals, identifiers
    compact when they parse.
    """

    name: str
    value: str
    page: int
    text: str


@dataclass(frozen=True, slots=True)
class ExtractedContainer:
    """A row of a document's container table."""

    number: str
    page: int
    text: str
    size_type: str | None = None
    seal: str | None = None
    packages: int | None = None
    gross_kg: Decimal | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """A goods line of a commercial invoice."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    page: int
    text: str


@dataclass(frozen=True, slots=True)
class ExtractedDocument:
    """Everything read from one uploaded file of a known kind."""

    kind: DocumentKind
    page_count: int
    fields: tuple[ExtractedField, ...] = ()
    containers: tuple[ExtractedContainer, ...] = ()
    items: tuple[InvoiceLine, ...] = ()
    pages_without_text: tuple[int, ...] = ()
    unreadable: bool = False

    def get(self, name: str) -> ExtractedField | None:
        """The first field of that name, if the document has one."""
        return next((f for f in self.fields if f.name == name), None)

    def value(self, name: str) -> str | None:
        found = self.get(name)
        return found.value if found else None

    def values(self, name: str) -> list[str]:
        return [f.value for f in self.fields if f.name == name]

    def flat_fields(self) -> list[ExtractedField]:
        """Header fields, then table rows as `containers[i].x` and `items[i].x`."""
        flat = list(self.fields)
        for i, box in enumerate(self.containers):
            row = {
                "number": box.number,
                "size_type": box.size_type,
                "seal": box.seal,
                "packages": box.packages,
                "gross_kg": box.gross_kg,
                "description": box.description,
            }
            flat += _row_fields(f"containers[{i}]", row, box.page, box.text)
        for i, line in enumerate(self.items):
            row = {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            flat += _row_fields(f"items[{i}]", row, line.page, line.text)
        return flat


def _row_fields(
    prefix: str, row: dict[str, str | int | Decimal | None], page: int, text: str
) -> list[ExtractedField]:
    return [
        ExtractedField(f"{prefix}.{name}", str(value), page, text)
        for name, value in row.items()
        if value is not None
    ]


@dataclass(frozen=True, slots=True)
class ContainerFacts:
    """A container as the request (or a suggestion for it) states it."""

    number: str
    size_type: str | None = None
    seal: str | None = None
    packages: int | None = None
    gross_kg: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    """What the import request says; a fresh draft may leave any of it empty.

    `eta` is the vessel call's estimated arrival as a calendar date at the port.
    """

    bl_number: str | None = None
    consignee_name: str | None = None
    consignee_npwp: str | None = None
    vessel_name: str | None = None
    vessel_imo: str | None = None
    voyage: str | None = None
    eta: date | None = None
    containers: tuple[ContainerFacts, ...] = ()
    services: frozenset[Service] = field(default_factory=frozenset)
    filed_by_forwarder: bool = False


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where in which document a value was read."""

    document: DocumentKind
    page: int
    text: str


@dataclass(frozen=True, slots=True)
class FieldSuggestion:
    """A value for one request field, offered for the customer to accept."""

    field: str
    value: str
    current: str | None
    source: SourceRef


@dataclass(frozen=True, slots=True)
class ContainerSuggestion:
    """A container for the request's list, read from a document."""

    container: ContainerFacts
    source: SourceRef


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem the assistant found, in English and in Indonesian."""

    severity: Severity
    code: str
    document: DocumentKind | None
    field: str | None
    value: str | None
    message_en: str
    message_id: str
    page: int | None = None


@dataclass(frozen=True, slots=True)
class AssistantReport:
    """The result of checking a shipment's documents against its request."""

    documents: tuple[ExtractedDocument, ...]
    field_suggestions: tuple[FieldSuggestion, ...]
    container_suggestions: tuple[ContainerSuggestion, ...]
    findings: tuple[Finding, ...]

    @property
    def is_blocked(self) -> bool:
        """Whether any finding keeps the shipment from being submitted."""
        return any(f.severity is Severity.BLOCKING for f in self.findings)
