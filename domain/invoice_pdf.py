"""The issued invoice as documents: a PDF for people, UBL-like JSON for machines.

Both are rendered from the stored invoice and its lines only, so they agree
with each other and with the API to the rupiah. The JSON follows the shape
of an OASIS UBL 2.1 Invoice (ID, IssueDate, parties, InvoiceLine, TaxTotal,
LegalMonetaryTotal) in JSON; it is not the legal tax invoice (e-Faktur).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF

from domain.models.billing import Invoice, InvoiceLine
from domain.tariff import JAKARTA

SELLER = "Dermaga container terminal services"
_WIDTHS = (8, 30, 78, 12, 30, 32)


@dataclass(frozen=True, slots=True)
class InvoiceParty:
    """Who the invoice is addressed to, as printed."""

    name: str
    npwp: str | None
    shipment_reference: str


def format_amount(amount: Decimal, currency: str = "IDR") -> str:
    """An amount as printed: thousands by dots, as Indonesian invoices write it."""
    places = 0 if currency == "IDR" else 2
    text = f"{amount:,.{places}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def render_pdf(
    invoice: Invoice, lines: Sequence[InvoiceLine], party: InvoiceParty
) -> bytes:
    """The invoice as an A4 PDF, one row per line, totals at the foot."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _header(pdf, invoice, party)
    _table(pdf, invoice, lines)
    _totals(pdf, invoice)
    return bytes(pdf.output())


def ubl_json(
    invoice: Invoice, lines: Sequence[InvoiceLine], party: InvoiceParty
) -> dict[str, Any]:
    """The invoice in a UBL 2.1-like JSON shape; amounts are decimal strings."""
    currency = invoice.currency
    return {
        "CustomizationID": "dermaga:invoice:1",
        "ID": invoice.number,
        "IssueDate": _local_date(invoice),
        "InvoiceTypeCode": "380",  # UNTDID 1001: commercial invoice
        "DocumentCurrencyCode": currency,
        "OrderReference": {"ID": party.shipment_reference},
        "AccountingSupplierParty": {"Party": {"PartyName": {"Name": SELLER}}},
        "AccountingCustomerParty": {
            "Party": {
                "PartyName": {"Name": party.name},
                "PartyTaxScheme": {"CompanyID": party.npwp, "TaxScheme": "NPWP"},
            }
        },
        "InvoiceLine": [_ubl_line(line, currency) for line in lines],
        "TaxTotal": {
            "TaxAmount": _money(invoice.vat, currency),
            "TaxSubtotal": {
                "TaxableAmount": _money(invoice.tax_base, currency),
                "TaxAmount": _money(invoice.vat, currency),
                "TaxCategory": {
                    "ID": "PPN",
                    "Percent": _percent(invoice.vat_rate_percent),
                    "TaxableFraction": _fraction(invoice),
                },
            },
        },
        "LegalMonetaryTotal": {
            "LineExtensionAmount": _money(invoice.subtotal, currency),
            "TaxInclusiveAmount": _money(invoice.total, currency),
            "PrepaidAmount": _money(invoice.initial_payment, currency),
            "PayableAmount": _money(invoice.balance_due, currency),
        },
    }


def _ubl_line(line: InvoiceLine, currency: str) -> dict[str, Any]:
    return {
        "ID": str(line.position),
        "InvoicedQuantity": line.quantity,
        "LineExtensionAmount": _money(line.amount, currency),
        "Item": {
            "Name": line.service.value,
            "Description": line.description,
            "ContainerNumber": line.container_number,
            "Period": line.period,
        },
        "Price": {"PriceAmount": _money(line.unit_price.normalize(), currency)},
    }


def _percent(rate: Decimal) -> str:
    """A rate as written: "12", "11.5" (no trailing zeros, no exponent)."""
    text = f"{rate:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _fraction(invoice: Invoice) -> str:
    return f"{invoice.tax_base_numerator}/{invoice.tax_base_denominator}"


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    places = Decimal(1) if currency == "IDR" else Decimal("0.01")
    exact = amount if amount != amount.to_integral() else amount.quantize(places)
    return {"value": str(exact), "currencyID": currency}


def _header(pdf: FPDF, invoice: Invoice, party: InvoiceParty) -> None:
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin("INVOICE " + invoice.number), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    rows = (
        f"Issued: {_local_date(invoice)} (WIB)",
        f"Seller: {SELLER}",
        f"Customer: {party.name}",
        f"NPWP: {party.npwp or '-'}",
        f"Shipment: {party.shipment_reference}",
        f"Tariff: {invoice.tariff_code}",
        f"Currency: {invoice.currency}",
    )
    for row in rows:
        pdf.cell(0, 6, _latin(row), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _table(pdf: FPDF, invoice: Invoice, lines: Sequence[InvoiceLine]) -> None:
    pdf.set_font("Helvetica", "B", 8)
    for width, title in zip(
        _WIDTHS,
        ("#", "Container", "Service", "Qty", "Unit price", "Amount"),
        strict=True,
    ):
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=7)
    for line in lines:
        cells = (
            str(line.position),
            line.container_number or "",
            line.description[:60],
            str(line.quantity),
            format_amount(line.unit_price, invoice.currency),
            format_amount(line.amount, invoice.currency),
        )
        for number, (width, value) in enumerate(zip(_WIDTHS, cells, strict=True)):
            align = "R" if number >= 3 else "L"
            pdf.cell(width, 6, _latin(value), border=1, align=align)
        pdf.ln()
    pdf.ln(4)


def _totals(pdf: FPDF, invoice: Invoice) -> None:
    currency = invoice.currency
    rows = (
        ("Subtotal", invoice.subtotal),
        (f"Tax base (DPP, {_fraction(invoice)} of subtotal)", invoice.tax_base),
        (f"PPN {_percent(invoice.vat_rate_percent)}%", invoice.vat),
        ("Total", invoice.total),
        ("Initial payment credited", invoice.initial_payment),
        ("Balance due", invoice.balance_due),
    )
    pdf.set_font("Helvetica", size=10)
    for label, amount in rows:
        pdf.cell(130, 7, _latin(label))
        pdf.cell(60, 7, f"{currency} {format_amount(amount, currency)}", align="R")
        pdf.ln()


def _local_date(invoice: Invoice) -> str:
    return invoice.issued_at.astimezone(ZoneInfo(JAKARTA)).date().isoformat()


def _latin(text: str) -> str:
    """The PDF's core fonts cover Latin-1 only; anything else prints as '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")
