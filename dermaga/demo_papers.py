"""The paperwork of a demo shipment: six consistent, text-based PDFs.

A real importer uploads what the line, customs and the seller issued; the demo
prints the same papers for its seeded requests, so the assistant reads them
and finds nothing wrong. Every figure derives from the container numbers, so a
second run prints the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

TABLE_HEADER = ("Container", "Type", "Seal", "Packages", "Gross kg", "Description")
TABLE_WIDTHS = (32.0, 16.0, 24.0, 22.0, 22.0, 60.0)
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True, slots=True)
class Box:
    """One container as every paper of the set prints it."""

    number: str
    size_type: str
    seal: str
    packages: int
    gross_kg: int


@dataclass(frozen=True, slots=True)
class Paperwork:
    """What the papers of one B/L say; dates are local (WIB) days."""

    bl_number: str
    shipper: str
    consignee: str
    npwp: str
    vessel: str
    imo: str
    voyage: str
    port_of_loading: str
    eta: date
    boxes: tuple[Box, ...]
    description: str
    hs_code: str
    unit_price_usd: Decimal

    @property
    def packages(self) -> int:
        return sum(b.packages for b in self.boxes)

    @property
    def gross_kg(self) -> int:
        return sum(b.gross_kg for b in self.boxes)

    @property
    def invoice_total(self) -> Decimal:
        return self.unit_price_usd * self.packages

    def digits(self, salt: str, length: int) -> str:
        """Stable digits for a document number of this B/L."""
        seed = hashlib.sha256(f"{self.bl_number}/{salt}".encode()).hexdigest()
        return str(int(seed, 16))[:length]


def box_for(number: str, size_type: str) -> Box:
    """Seal, packages and weight a box of the demo carries, stable per number."""
    value = int(hashlib.sha256(number.encode()).hexdigest(), 16)
    packages = 200 + value % 600
    per_package = 18 + (value >> 12) % 20
    seal = f"{'ABCDEFGH'[value % 8]}{(value >> 20) % 10_000_000:07d}"
    return Box(number, size_type, seal, packages, packages * per_package)


def papers(work: Paperwork) -> dict[str, bytes]:
    """The PDFs by document kind (the GraphQL DocumentKind names)."""
    return {
        "BILL_OF_LADING": _bill_of_lading(work),
        "DELIVERY_ORDER": _delivery_order(work),
        "PIB": _pib(work),
        "SPPB": _sppb(work),
        "COMMERCIAL_INVOICE": _commercial_invoice(work),
        "PACKING_LIST": _packing_list(work),
    }


class _Sheet(FPDF):
    """An A4 page of labelled lines; the fixed creation date keeps bytes stable."""

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
        self.add_page()
        self.set_font("Helvetica", "B", 13)
        self.cell(0, 10, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("Helvetica", size=9)

    def field(self, label: str, value: str) -> None:
        self.cell(0, 6, f"{label}: {value}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def boxes(self, boxes: Sequence[Box], description: str) -> None:
        self.ln(4)
        self._row(TABLE_HEADER)
        for b in boxes:
            cells = (b.number, b.size_type, b.seal, str(b.packages), str(b.gross_kg))
            self._row((*cells, description))

    def done(self) -> bytes:
        return bytes(self.output())

    def _row(self, cells: Sequence[str]) -> None:
        for text, width in zip(cells, TABLE_WIDTHS, strict=True):
            self.cell(width, 6, text, border=1)
        self.ln(6)


def _day(value: date) -> str:
    return f"{value.day:02d} {MONTHS[value.month - 1]} {value.year}"


def _usd(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _issued(work: Paperwork) -> date:
    return date.fromordinal(work.eta.toordinal() - 12)


def _bill_of_lading(work: Paperwork) -> bytes:
    sheet = _Sheet("Bill of Lading")
    sheet.field("B/L No.", work.bl_number)
    sheet.field("Shipper", work.shipper)
    sheet.field("Consignee", work.consignee)
    sheet.field("Consignee Tax ID (NPWP)", work.npwp)
    sheet.field("Vessel", work.vessel)
    sheet.field("Voyage", work.voyage)
    sheet.field("IMO No.", work.imo)
    sheet.field("Port of Loading", work.port_of_loading)
    sheet.field("Port of Discharge", "IDTPP")
    sheet.field("Date of Issue", _day(_issued(work)))
    sheet.boxes(work.boxes, work.description)
    return sheet.done()


def _delivery_order(work: Paperwork) -> bytes:
    # The line releases the boxes for a fortnight after the vessel's arrival.
    valid_until = date.fromordinal(work.eta.toordinal() + 14)
    sheet = _Sheet("Delivery Order")
    sheet.field("D/O No.", f"DO/{work.digits('do', 4)}/{work.eta:%m}/{work.eta.year}")
    sheet.field("B/L No.", work.bl_number)
    sheet.field("Consignee", work.consignee)
    sheet.field("Vessel", f"{work.vessel} / {work.voyage}")
    sheet.field("Valid Until", _day(valid_until))
    sheet.boxes(work.boxes, work.description)
    return sheet.done()


def _pib(work: Paperwork) -> bytes:
    sheet = _Sheet("Import Declaration (PIB)")
    sheet.field("Submission No. (Aju)", work.digits("aju", 26).ljust(26, "0"))
    sheet.field("Registration No.", work.digits("pib", 6))
    sheet.field("Consignee", work.consignee)
    sheet.field("NPWP", work.npwp)
    sheet.field("B/L No.", work.bl_number)
    sheet.field("HS Code", work.hs_code)
    # CIF adds freight and insurance to the seller's invoice value.
    cif = (work.invoice_total * Decimal("1.0004")).quantize(Decimal("0.01"))
    sheet.field("CIF Value (USD)", _usd(cif))
    return sheet.done()


def _sppb(work: Paperwork) -> bytes:
    sheet = _Sheet("Customs Release (SPPB)")
    sheet.field("SPPB No.", f"{work.digits('sppb', 6)}/KPU.01/{work.eta.year}")
    sheet.field("SPPB Date", _day(work.eta))
    sheet.field("PIB Registration No.", work.digits("pib", 6))
    sheet.field("Consignee", work.consignee)
    sheet.field("B/L No.", work.bl_number)
    sheet.boxes(work.boxes, work.description)
    return sheet.done()


def _commercial_invoice(work: Paperwork) -> bytes:
    sheet = _Sheet("Commercial Invoice")
    sheet.field("Invoice No.", f"INV-{work.digits('invoice', 5)}")
    sheet.field("Shipper", work.shipper)
    sheet.field("Consignee", work.consignee)
    sheet.cell(
        0,
        6,
        f"{work.description}  {work.packages} x USD {work.unit_price_usd}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    sheet.field("Total Amount", f"USD {_usd(work.invoice_total)}")
    return sheet.done()


def _packing_list(work: Paperwork) -> bytes:
    sheet = _Sheet("Packing List")
    sheet.field("Invoice No.", f"INV-{work.digits('invoice', 5)}")
    sheet.field("Consignee", work.consignee)
    sheet.field("Total Packages", str(work.packages))
    sheet.field("Total Gross Weight (kg)", str(work.gross_kg))
    return sheet.done()
