"""A shipment's request and documents, as the checks look them up."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from domain.documents.model import (
    DocumentKind,
    ExtractedContainer,
    ExtractedDocument,
    ExtractedField,
    Finding,
    ShipmentFacts,
)
from domain.errors import ValidationError
from domain.identifiers import Npwp

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Dossier:
    """The request and every document uploaded for it."""

    request: ShipmentFacts
    documents: tuple[ExtractedDocument, ...]

    def of_kind(self, kind: DocumentKind) -> list[ExtractedDocument]:
        return [d for d in self.documents if d.kind is kind]

    def first(self, kind: DocumentKind) -> ExtractedDocument | None:
        """The first document of the kind that has anything read from it."""
        return next((d for d in self.of_kind(kind) if d.fields or d.containers), None)

    def field(self, kinds: Iterable[DocumentKind], name: str) -> ExtractedField | None:
        """The field from the first of the kinds, in order, that has it."""
        for kind in kinds:
            for document in self.of_kind(kind):
                if (found := document.get(name)) is not None:
                    return found
        return None

    def reference_containers(self) -> tuple[DocumentKind, list[ExtractedContainer]]:
        """The containers other papers must match: the B/L's, else the DO's."""
        for kind in (DocumentKind.BILL_OF_LADING, DocumentKind.DELIVERY_ORDER):
            document = self.first(kind)
            if document is not None and document.containers:
                return kind, list(document.containers)
        return DocumentKind.BILL_OF_LADING, []


Check = Callable[[Dossier], Iterable[Finding]]


def parses(parse: Callable[[str], T], text: str) -> T | None:
    """The parsed identifier, or None when the text breaks its rule."""
    try:
        return parse(text)
    except ValidationError:
        return None


def same_npwp(a: str, b: str) -> bool:
    """Whether two printed NPWPs are valid and name one taxpayer."""
    left, right = parses(Npwp.parse, a), parses(Npwp.parse, b)
    return left is not None and right is not None and left.same_taxpayer(right)
