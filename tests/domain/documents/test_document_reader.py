from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from fpdf import FPDF
from PIL import Image

from domain.documents import DocumentKind, ShipmentFacts, check_shipment, read_document
from domain.documents import labels as L
from domain.documents.extract import split_label
from domain.documents.values import parse_amount, parse_date, same_company

if TYPE_CHECKING:
    from conftest import SampleSet

K = DocumentKind


def expected_fields(t: dict[str, Any]) -> dict[DocumentKind, dict[str, str]]:
    """What each paper of a set prints, per field, as the reader should report it."""
    vessel, consignee = t["vessel"], t["consignee"]["name"]
    expected = {
        K.BILL_OF_LADING: {
            L.BL_NUMBER: t["bl_number"],
            L.SHIPPER: t["shipper"],
            L.CONSIGNEE_NAME: consignee,
            L.CONSIGNEE_NPWP: t["bl_npwp"],
            L.VESSEL_NAME: vessel["name"],
            L.VESSEL_IMO: t.get("bl_imo", vessel["imo"]),
            L.VOYAGE: vessel["voyage"],
            L.POL: t["pol"],
            L.POD: t["pod"],
            L.ISSUE_DATE: t["bl_date"],
        },
        K.DELIVERY_ORDER: {
            L.DO_NUMBER: t["do"]["number"],
            L.BL_NUMBER: t["bl_number"],
            L.CONSIGNEE_NAME: t.get("do_consignee", consignee),
            L.VESSEL_NAME: vessel["name"],
            L.VOYAGE: t.get("do_voyage", vessel["voyage"]),
            L.VALID_UNTIL: t["do"]["valid_until"],
        },
        K.PIB: {
            L.PIB_AJU: t["pib"]["aju"],
            L.PIB_REGISTRATION: t["pib"]["registration"],
            L.CONSIGNEE_NAME: consignee,
            L.CONSIGNEE_NPWP: t.get("pib_npwp", t["consignee"]["npwp"]),
            L.BL_NUMBER: t["bl_number"],
            L.CIF_USD: str(t["pib"]["cif_usd"]),
        },
        K.COMMERCIAL_INVOICE: {
            L.INVOICE_NUMBER: t["invoice"]["number"],
            L.SHIPPER: t["shipper"],
            L.CONSIGNEE_NAME: consignee,
            L.TOTAL_AMOUNT: str(t["invoice"]["total"]),
        },
        K.PACKING_LIST: {
            L.INVOICE_NUMBER: t["invoice"]["number"],
            L.CONSIGNEE_NAME: consignee,
            L.TOTAL_PACKAGES: str(t["packing_list"]["packages"]),
            L.TOTAL_GROSS_KG: str(t["packing_list"]["gross_kg"]),
        },
    }
    if t["sppb"] is not None:
        expected[K.SPPB] = {
            L.SPPB_NUMBER: t["sppb"]["number"],
            L.SPPB_DATE: t["sppb"]["date"],
            L.PIB_REGISTRATION: t["pib"]["registration"],
            L.CONSIGNEE_NAME: consignee,
            L.BL_NUMBER: t["bl_number"],
        }
    return expected


def _same(name: str, read: str | None, truth: str) -> bool:
    if read is not None and name in L.AMOUNT_FIELDS:
        return Decimal(read) == Decimal(truth)
    return read == truth


def rows(boxes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            b["number"],
            b["size_type"],
            b["seal"],
            b["packages"],
            Decimal(str(b["gross_kg"])),
            b["description"],
        )
        for b in boxes
    ]


def test_every_header_field_of_the_truth_is_read(sample_set: SampleSet) -> None:
    wrong = []
    for kind, fields in expected_fields(sample_set.truth).items():
        document = sample_set.document(kind)
        for name, truth in fields.items():
            read = document.value(name)
            if not _same(name, read, truth):
                wrong.append((kind.value, name, read, truth))
    assert wrong == []


def test_hs_codes_are_read_as_printed(sample_set: SampleSet) -> None:
    pib = sample_set.document(K.PIB)

    assert pib.values(L.HS_CODE) == sample_set.truth["pib"]["hs_codes"]


def test_container_tables_are_read_row_by_row(sample_set: SampleSet) -> None:
    t = sample_set.truth
    tables = {
        K.BILL_OF_LADING: t["containers"],
        K.DELIVERY_ORDER: t["do"]["containers"],
    }
    if t["sppb"] is not None:
        tables[K.SPPB] = t["sppb"]["containers"]
    for kind, boxes in tables.items():
        read = sample_set.document(kind).containers
        got = [
            (b.number, b.size_type, b.seal, b.packages, b.gross_kg, b.description)
            for b in read
        ]
        assert got == rows(boxes), kind


def test_invoice_lines_are_read(sample_set: SampleSet) -> None:
    invoice = sample_set.document(K.COMMERCIAL_INVOICE)
    expected = [
        (i["description"], Decimal(str(i["quantity"])), Decimal(str(i["unit_price"])))
        for i in sample_set.truth["invoice"]["items"]
    ]

    got = [(i.description, i.quantity, i.unit_price) for i in invoice.items]

    assert got == expected


def test_each_field_keeps_its_page_and_source_text(sample_set: SampleSet) -> None:
    for document in sample_set.documents():
        for field in document.flat_fields():
            assert 1 <= field.page <= document.page_count
            # The snippet shows where the value came from, as printed.
            assert field.text.strip()
        bl_number = document.get(L.BL_NUMBER)
        if bl_number is not None:
            assert bl_number.value in bl_number.text.replace(" ", "")


def test_a_table_continued_on_page_two_keeps_its_columns(
    load_set: Callable[[str], SampleSet],
) -> None:
    bill = load_set("set-202").document(K.BILL_OF_LADING)

    assert [b.page for b in bill.containers] == [1, 1, 1, 2, 2]
    assert bill.containers[4].seal == "TH778105"
    assert bill.containers[4].gross_kg == Decimal(20050)


def _png(color: str = "white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _pdf(pages: list[str | None]) -> bytes:
    """A PDF whose pages carry the given text, or only a picture when None."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for text in pages:
        pdf.add_page()
        if text is None:
            pdf.image(Image.open(io.BytesIO(_png("gray"))), x=10, y=10, w=150)
        else:
            for line in text.splitlines():
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_an_image_upload_yields_no_fields_and_a_no_text_layer_finding() -> None:
    document = read_document(K.SPPB, _png(), "image/png")

    report = check_shipment(ShipmentFacts(), [document])

    assert document.fields == ()
    assert document.containers == ()
    assert document.pages_without_text == (1,)
    codes = [(f.code, f.document, f.value) for f in report.findings]
    assert ("NO_TEXT_LAYER", K.SPPB, "1") in codes


def test_a_jpeg_declared_as_pdf_is_still_treated_as_an_image() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buffer, format="JPEG")

    document = read_document(K.PIB, buffer.getvalue(), "application/pdf")

    assert document.pages_without_text == (1,)
    assert document.fields == ()


def test_a_scanned_pdf_page_is_not_guessed_at() -> None:
    content = _pdf(
        ["Delivery Order\nD/O No.: DO/1/XII/2026\nValid Until: 24 Dec 2026", None]
    )

    document = read_document(K.DELIVERY_ORDER, content, "application/pdf")
    report = check_shipment(ShipmentFacts(), [document])

    assert document.page_count == 2
    assert document.pages_without_text == (2,)
    assert document.value(L.DO_NUMBER) == "DO/1/XII/2026"
    assert document.value(L.VALID_UNTIL) == "2026-12-24"
    [finding] = [f for f in report.findings if f.code == "NO_TEXT_LAYER"]
    assert (finding.document, finding.page, finding.value) == (K.DELIVERY_ORDER, 2, "2")
    assert "scanned" in finding.message_en
    assert "pindaian" in finding.message_id


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"%PDF-1.7\nnot really a pdf", "application/pdf"), (b"hello", "text/plain")],
)
def test_an_unreadable_upload_is_reported_not_raised(
    content: bytes, content_type: str
) -> None:
    document = read_document(K.PACKING_LIST, content, content_type)

    report = check_shipment(ShipmentFacts(), [document])

    assert document.unreadable
    own = [f.code for f in report.findings if f.document is K.PACKING_LIST]
    assert own == ["UNREADABLE_DOCUMENT"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 Desember 2026", date(2026, 12, 1)),
        ("1 December 2026", date(2026, 12, 1)),
        ("03 Dec 2026", date(2026, 12, 3)),
        ("17 Agustus 2026", date(2026, 8, 17)),
        ("2 Mei 2027", date(2027, 5, 2)),
        ("December 5, 2026", date(2026, 12, 5)),
        ("2026-12-19", date(2026, 12, 19)),
        ("05/12/2026", date(2026, 12, 5)),
        ("23-12-2026", date(2026, 12, 23)),
        ("04-Dec-2026", date(2026, 12, 4)),
        ("31 Februari 2026", None),
        ("soon", None),
    ],
)
def test_dates_in_english_and_indonesian(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("143,117.28", Decimal("143117.28")),
        ("96.438,43", Decimal("96438.43")),
        ("2.940", Decimal(2940)),
        ("1,630", Decimal(1630)),
        ("20,50", Decimal("20.50")),
        ("22351.5", Decimal("22351.5")),
        ("1.234.567", Decimal(1234567)),
        ("USD 86,105.00", Decimal("86105.00")),
        ("n/a", None),
    ],
)
def test_amounts_in_both_number_styles(text: str, expected: Decimal | None) -> None:
    assert parse_amount(text) == expected


def test_an_unknown_label_before_a_colon_is_not_read_as_a_known_one() -> None:
    words = L.VOCABULARIES[K.BILL_OF_LADING]

    assert split_label("Consignee Address: Jl. Raya 1", words) is None
    assert split_label("Consignee: PT Abc", words) == (L.CONSIGNEE_NAME, "PT Abc")
    assert split_label("Ocean Vessel MV Abc", words) == (L.VESSEL_NAME, "MV Abc")


def test_company_names_compare_without_case_or_punctuation() -> None:
    assert same_company("PT. Mega Tekstil Indah", "PT MEGA TEKSTIL INDAH")
    assert not same_company("PT Karya Logam Abadi", "PT Karya Logistik Abadi")
