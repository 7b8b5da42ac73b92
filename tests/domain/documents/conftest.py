"""Sample document sets with their truth, read once per test session."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from domain.documents import (
    ContainerFacts,
    DocumentKind,
    ExtractedDocument,
    Service,
    ShipmentFacts,
    read_document,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "documents"
SET_NAMES = sorted(p.parent.name for p in FIXTURES.glob("*/truth.json"))

FILE_KINDS = {
    "bill_of_lading": DocumentKind.BILL_OF_LADING,
    "delivery_order": DocumentKind.DELIVERY_ORDER,
    "pib": DocumentKind.PIB,
    "sppb": DocumentKind.SPPB,
    "commercial_invoice": DocumentKind.COMMERCIAL_INVOICE,
    "packing_list": DocumentKind.PACKING_LIST,
    "power_of_attorney": DocumentKind.POWER_OF_ATTORNEY,
}
DEFAULT_SERVICES = ("DISCHARGE", "STORAGE", "LIFT_ON_LIFT_OFF", "PICKUP")


@dataclass(frozen=True)
class SampleSet:
    """One shipment's PDFs and what a careful reader should find in them."""

    name: str
    truth: dict[str, Any]

    @property
    def folder(self) -> Path:
        return FIXTURES / self.name

    def documents(self) -> list[ExtractedDocument]:
        return list(_read_set(self.name))

    def document(self, kind: DocumentKind) -> ExtractedDocument:
        return next(d for d in self.documents() if d.kind is kind)

    def services(self) -> frozenset[Service]:
        names = self.truth.get("services", DEFAULT_SERVICES)
        return frozenset(Service(n) for n in names)

    def full_request(self) -> ShipmentFacts:
        """The request a customer fills in with the truth's values."""
        t = self.truth
        return ShipmentFacts(
            bl_number=t["bl_number"],
            consignee_name=t["consignee"]["name"],
            consignee_npwp=t["consignee"]["npwp"],
            vessel_name=t["vessel"]["name"],
            vessel_imo=t["vessel"]["imo"],
            voyage=t["vessel"]["voyage"],
            eta=date.fromisoformat(t["eta"]),
            containers=tuple(container_facts(c) for c in t["containers"]),
            services=self.services(),
            filed_by_forwarder=t.get("filed_by_forwarder", False),
        )

    def call_only_request(self) -> ShipmentFacts:
        """A fresh draft that knows only the vessel call (vessel, voyage, ETA)."""
        t = self.truth
        return ShipmentFacts(
            vessel_name=t["vessel"]["name"],
            vessel_imo=t["vessel"]["imo"],
            voyage=t["vessel"]["voyage"],
            eta=date.fromisoformat(t["eta"]),
            services=self.services(),
            filed_by_forwarder=t.get("filed_by_forwarder", False),
        )


def container_facts(row: dict[str, Any]) -> ContainerFacts:
    return ContainerFacts(
        number=row["number"],
        size_type=row["size_type"],
        seal=row["seal"],
        packages=row["packages"],
        gross_kg=Decimal(str(row["gross_kg"])),
    )


@cache
def _read_set(name: str) -> tuple[ExtractedDocument, ...]:
    folder = FIXTURES / name
    return tuple(
        read_document(FILE_KINDS[pdf.stem], pdf.read_bytes(), "application/pdf")
        for pdf in sorted(folder.glob("*.pdf"))
    )


@cache
def read_sample_set(name: str) -> SampleSet:
    truth = json.loads((FIXTURES / name / "truth.json").read_text())
    return SampleSet(name, truth)


@pytest.fixture(params=SET_NAMES)
def sample_set(request: pytest.FixtureRequest) -> SampleSet:
    return read_sample_set(request.param)


@pytest.fixture
def load_set() -> Callable[[str], SampleSet]:
    """Open a sample set by folder name."""
    return read_sample_set
