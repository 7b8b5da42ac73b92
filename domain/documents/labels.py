"""The labels English and Indonesian papers print before each value we read."""

from __future__ import annotations

import re

from domain.documents.model import DocumentKind

BL_NUMBER = "bl_number"
SHIPPER = "shipper"
CONSIGNEE_NAME = "consignee_name"
CONSIGNEE_NPWP = "consignee_npwp"
VESSEL_NAME = "vessel_name"
VESSEL_VOYAGE = "vessel_voyage"
VOYAGE = "voyage"
VESSEL_IMO = "vessel_imo"
POL = "pol"
POD = "pod"
ISSUE_DATE = "issue_date"
DO_NUMBER = "do_number"
VALID_UNTIL = "valid_until"
PIB_AJU = "pib_aju"
PIB_REGISTRATION = "pib_registration"
HS_CODE = "hs_code"
CIF_USD = "cif_usd"
SPPB_NUMBER = "sppb_number"
SPPB_DATE = "sppb_date"
INVOICE_NUMBER = "invoice_number"
INVOICE_DATE = "invoice_date"
TOTAL_AMOUNT = "total_amount"
CURRENCY = "currency"
TOTAL_PACKAGES = "total_packages"
TOTAL_GROSS_KG = "total_gross_kg"

DATE_FIELDS = frozenset({ISSUE_DATE, VALID_UNTIL, SPPB_DATE, INVOICE_DATE})
AMOUNT_FIELDS = frozenset({CIF_USD, TOTAL_AMOUNT, TOTAL_PACKAGES, TOTAL_GROSS_KG})

_SYNONYMS: dict[str, tuple[str, ...]] = {
    BL_NUMBER: (
        "b/l no", "b/l number", "bl no", "bl number", "bill of lading no",
        "bill of lading number", "no b/l", "nomor b/l", "nomor bl", "no bl",
        "nomor konosemen", "no konosemen",
    ),
    SHIPPER: ("shipper", "pengirim", "nama pengirim", "exporter", "eksportir"),
    CONSIGNEE_NAME: (
        "consignee", "consignee name", "penerima", "nama penerima", "importer",
        "importir", "nama importir",
    ),
    CONSIGNEE_NPWP: (
        "npwp", "consignee tax id npwp", "consignee tax id", "consignee npwp",
        "npwp penerima", "npwp importir", "importer npwp", "tax id npwp",
    ),
    VESSEL_NAME: ("vessel name", "nama kapal", "ocean vessel", "kapal", "vessel"),
    VESSEL_VOYAGE: (
        "vessel/voyage", "vessel / voyage", "vessel voyage", "kapal/voyage",
        "nama kapal/voyage", "kapal/nomor voyage",
    ),
    VOYAGE: (
        "voyage", "voyage no", "voyage number", "voy", "nomor voyage", "no voyage",
    ),
    VESSEL_IMO: ("imo", "imo no", "imo number", "nomor imo", "no imo"),
    POL: ("port of loading", "pelabuhan muat", "pol"),
    POD: ("port of discharge", "pelabuhan bongkar", "pelabuhan tujuan", "pod"),
    ISSUE_DATE: ("date of issue", "issue date", "tanggal terbit", "tanggal penerbitan"),
    DO_NUMBER: (
        "d/o no", "d/o number", "do no", "do number", "delivery order no",
        "nomor do", "no do", "nomor d/o",
    ),
    VALID_UNTIL: (
        "valid until", "valid till", "validity", "expiry date", "berlaku sampai",
        "berlaku hingga", "masa berlaku", "tanggal kedaluwarsa",
    ),
    PIB_AJU: (
        "submission no aju", "submission no", "aju", "aju no", "nomor aju", "no aju",
    ),
    PIB_REGISTRATION: (
        "registration no", "registration number", "pib registration no",
        "nomor pendaftaran", "nomor pendaftaran pib", "no pendaftaran",
        "no pendaftaran pib",
    ),
    HS_CODE: ("hs code", "hs", "kode hs", "pos tarif/hs", "pos tarif", "hs/pos tarif"),
    CIF_USD: ("cif value usd", "cif value", "cif usd", "nilai cif usd", "nilai cif"),
    SPPB_NUMBER: ("sppb no", "sppb number", "nomor sppb", "no sppb"),
    SPPB_DATE: ("sppb date", "tanggal sppb"),
    INVOICE_NUMBER: (
        "invoice no", "invoice number", "nomor invoice", "no invoice", "nomor faktur",
    ),
    INVOICE_DATE: ("invoice date", "tanggal invoice", "tanggal faktur"),
    TOTAL_AMOUNT: (
        "total amount", "jumlah total", "total", "grand total", "total nilai",
    ),
    TOTAL_PACKAGES: (
        "total packages", "total pkgs", "number of packages", "jumlah koli",
        "total koli", "jumlah kemasan",
    ),
    TOTAL_GROSS_KG: (
        "total gross weight kg", "total gross weight", "gross weight total",
        "total berat kotor kg", "total berat kotor", "berat kotor total",
    ),
}  # fmt: skip

# Bare "No." and "Date" mean the document's own number and date.
_OWN_NUMBER = {
    DocumentKind.BILL_OF_LADING: BL_NUMBER,
    DocumentKind.DELIVERY_ORDER: DO_NUMBER,
    DocumentKind.SPPB: SPPB_NUMBER,
    DocumentKind.COMMERCIAL_INVOICE: INVOICE_NUMBER,
}
_OWN_DATE = {
    DocumentKind.BILL_OF_LADING: ISSUE_DATE,
    DocumentKind.DELIVERY_ORDER: ISSUE_DATE,
    DocumentKind.SPPB: SPPB_DATE,
    DocumentKind.COMMERCIAL_INVOICE: INVOICE_DATE,
}


def normalize_label(text: str) -> str:
    """A label lower-cased, punctuation but '/' dropped, spacing collapsed."""
    return " ".join(re.sub(r"[^a-z0-9/]+", " ", text.lower()).split())


def vocabulary(kind: DocumentKind) -> dict[str, str]:
    """Normalised label to field name, for one kind of document."""
    words = {
        normalize_label(label): name
        for name, labels in _SYNONYMS.items()
        for label in labels
    }
    if kind in _OWN_NUMBER:
        words |= dict.fromkeys(("no", "number", "nomor"), _OWN_NUMBER[kind])
    if kind in _OWN_DATE:
        words |= dict.fromkeys(("date", "tanggal"), _OWN_DATE[kind])
    return words


VOCABULARIES = {kind: vocabulary(kind) for kind in DocumentKind}
LONGEST_LABEL_WORDS = max(
    len(label.split()) for v in VOCABULARIES.values() for label in v
)
