"""The document assistant: read import papers offline and check them together.

Pure rules: no database, no web. `read_document` turns an upload into an
ExtractedDocument; `check_shipment` compares the documents with each other and
with the request, and returns findings and suggestions without changing anything.
"""

from domain.documents.assistant import check_shipment
from domain.documents.messages import TEMPLATES
from domain.documents.model import (
    AssistantReport,
    ContainerFacts,
    ContainerSuggestion,
    DocumentKind,
    ExtractedContainer,
    ExtractedDocument,
    ExtractedField,
    FieldSuggestion,
    Finding,
    InvoiceLine,
    Service,
    Severity,
    ShipmentFacts,
    SourceRef,
)
from domain.documents.reader import read_document
from domain.documents.requirements import DocumentRequirement, required_documents

FINDING_CODES = frozenset(t.code for t in TEMPLATES.values())

__all__ = [
    "FINDING_CODES",
    "AssistantReport",
    "ContainerFacts",
    "ContainerSuggestion",
    "DocumentKind",
    "DocumentRequirement",
    "ExtractedContainer",
    "ExtractedDocument",
    "ExtractedField",
    "FieldSuggestion",
    "Finding",
    "InvoiceLine",
    "Service",
    "Severity",
    "ShipmentFacts",
    "SourceRef",
    "check_shipment",
    "read_document",
    "required_documents",
]
