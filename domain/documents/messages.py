"""The catalogue of findings: stable code, severity, English and Indonesian text."""

from __future__ import annotations

from dataclasses import dataclass

from domain.documents.model import DocumentKind, Finding, Severity

B, W = Severity.BLOCKING, Severity.WARNING

_NAMES_EN = {
    DocumentKind.BILL_OF_LADING: "bill of lading",
    DocumentKind.DELIVERY_ORDER: "delivery order",
    DocumentKind.PIB: "PIB",
    DocumentKind.SPPB: "SPPB",
    DocumentKind.COMMERCIAL_INVOICE: "commercial invoice",
    DocumentKind.PACKING_LIST: "packing list",
    DocumentKind.POWER_OF_ATTORNEY: "power of attorney",
    DocumentKind.OTHER: "other document",
}
_NAMES_ID = {
    DocumentKind.BILL_OF_LADING: "konosemen (B/L)",
    DocumentKind.DELIVERY_ORDER: "delivery order (DO)",
    DocumentKind.PIB: "PIB",
    DocumentKind.SPPB: "SPPB",
    DocumentKind.COMMERCIAL_INVOICE: "invoice komersial",
    DocumentKind.PACKING_LIST: "packing list",
    DocumentKind.POWER_OF_ATTORNEY: "surat kuasa",
    DocumentKind.OTHER: "dokumen lain",
}


def name_en(kind: DocumentKind | None) -> str:
    """A document's English name; None stands for the request itself."""
    return _NAMES_EN[kind] if kind else "request"


def name_id(kind: DocumentKind | None) -> str:
    """A document's Indonesian name; None stands for the request (permohonan)."""
    return _NAMES_ID[kind] if kind else "permohonan"


@dataclass(frozen=True, slots=True)
class Template:
    """One kind of finding; placeholders are filled from the finding's context."""

    code: str
    severity: Severity
    en: str
    id: str


_T = Template
TEMPLATES = {
    "missing_document": _T(
        "MISSING_DOCUMENT", B,
        "The {doc} is missing; it is needed {reason_en}.",
        "{doc_id} belum diunggah; dokumen ini diperlukan {reason_id}.",
    ),
    "sppb_missing": _T(
        "SPPB_MISSING", W,
        "There is no SPPB yet: the containers cannot be picked up or delivered "
        "until customs releases them.",
        "SPPB belum ada: peti kemas belum dapat diambil atau dikirim sebelum "
        "dirilis oleh Bea Cukai.",
    ),
    "no_text_layer": _T(
        "NO_TEXT_LAYER", W,
        "Page {value} of the {doc} is a scanned image without a text layer; it was "
        "not read and a person must check it.",
        "Halaman {value} pada {doc_id} berupa gambar pindaian tanpa lapisan teks; "
        "halaman itu tidak dibaca dan harus diperiksa petugas.",
    ),
    "unreadable": _T(
        "UNREADABLE_DOCUMENT", W,
        "The {doc} could not be read; upload it again as a PDF.",
        "{doc_id} tidak dapat dibaca; unggah ulang dalam bentuk PDF.",
    ),
    "INVALID_CONTAINER_NUMBER": _T(
        "INVALID_CONTAINER_NUMBER", B,
        "{value} on the {doc} is not an ISO 6346 container number.",
        "{value} pada {doc_id} bukan nomor peti kemas ISO 6346.",
    ),
    "INVALID_CHECK_DIGIT": _T(
        "INVALID_CHECK_DIGIT", B,
        "Container number {value} on the {doc} has a wrong ISO 6346 check digit.",
        "Nomor peti kemas {value} pada {doc_id} memiliki check digit ISO 6346 "
        "yang salah.",
    ),
    "INVALID_IMO_NUMBER": _T(
        "INVALID_IMO_NUMBER", B,
        "IMO number {value} on the {doc} is not valid (7 digits with a check digit).",
        "Nomor IMO {value} pada {doc_id} tidak valid (7 digit dengan check digit).",
    ),
    "INVALID_NPWP": _T(
        "INVALID_NPWP", B,
        "NPWP {value} on the {doc} must have 16 digits (15 for a legacy number).",
        "NPWP {value} pada {doc_id} harus 16 digit (15 digit untuk NPWP lama).",
    ),
    "INVALID_HS_CODE": _T(
        "INVALID_HS_CODE", B,
        "HS code {value} on the {doc} must have 8 digits (BTKI 2022).",
        "Pos tarif/HS {value} pada {doc_id} harus 8 digit (BTKI 2022).",
    ),
    "container_extra": _T(
        "CONTAINER_MISMATCH", B,
        "Container {value} on the {doc} is not on the {ref}.",
        "Peti kemas {value} pada {doc_id} tidak tercantum pada {ref_id}.",
    ),
    "container_missing": _T(
        "CONTAINER_MISMATCH", B,
        "Container {value} on the {ref} is missing from the {doc}.",
        "Peti kemas {value} pada {ref_id} tidak tercantum pada {doc_id}.",
    ),
    "seal_mismatch": _T(
        "SEAL_MISMATCH", W,
        "Container {container} has seal {value} on the {doc} but {expected} on "
        "the {ref}.",
        "Peti kemas {container} bersegel {value} pada {doc_id} tetapi {expected} "
        "pada {ref_id}.",
    ),
    "sppb_not_covering": _T(
        "SPPB_CONTAINER_NOT_COVERED", B,
        "The SPPB does not release container {value}; it cannot leave the port.",
        "SPPB tidak mencakup peti kemas {value}; peti kemas itu tidak dapat keluar "
        "pelabuhan.",
    ),
    "consignee_mismatch": _T(
        "CONSIGNEE_MISMATCH", B,
        "The consignee on the {doc}, {value}, differs from {expected} on the {ref}.",
        "Penerima pada {doc_id}, {value}, berbeda dengan {expected} pada {ref_id}.",
    ),
    "npwp_mismatch": _T(
        "NPWP_MISMATCH", B,
        "NPWP {value} on the {doc} differs from {expected} on the {ref}.",
        "NPWP {value} pada {doc_id} berbeda dengan {expected} pada {ref_id}.",
    ),
    "bl_number_mismatch": _T(
        "BL_NUMBER_MISMATCH", B,
        "B/L number {value} on the {doc} differs from {expected} on the {ref}.",
        "Nomor B/L {value} pada {doc_id} berbeda dengan {expected} pada {ref_id}.",
    ),
    "pib_registration_mismatch": _T(
        "PIB_REGISTRATION_MISMATCH", B,
        "The {doc} names PIB registration {value}, but the PIB is {expected}.",
        "{doc_id} menyebut nomor pendaftaran PIB {value}, padahal PIB bernomor "
        "{expected}.",
    ),
    "invoice_number_mismatch": _T(
        "INVOICE_NUMBER_MISMATCH", W,
        "The {doc} refers to invoice {value}, but the commercial invoice is "
        "{expected}.",
        "{doc_id} merujuk invoice {value}, padahal invoice komersial bernomor "
        "{expected}.",
    ),
    "do_expires_before_eta": _T(
        "DO_EXPIRES_BEFORE_ETA", B,
        "The delivery order is valid until {value}, before the vessel's ETA of "
        "{expected}; ask the shipping line's agent to extend it.",
        "Delivery order berlaku sampai {value}, sebelum ETA kapal {expected}; "
        "mintalah agen pelayaran memperpanjangnya.",
    ),
    "weight_mismatch": _T(
        "WEIGHT_MISMATCH", W,
        "The {doc} totals {value} kg gross, the {ref} {expected} kg: more than "
        "{tolerance} apart.",
        "Total berat kotor pada {doc_id} {value} kg, pada {ref_id} {expected} kg: "
        "selisihnya lebih dari {tolerance}.",
    ),
    "package_mismatch": _T(
        "PACKAGE_COUNT_MISMATCH", W,
        "The {doc} totals {value} packages, the {ref} {expected}.",
        "Jumlah koli pada {doc_id} {value}, pada {ref_id} {expected}.",
    ),
    "vessel_mismatch": _T(
        "VESSEL_MISMATCH", B,
        "The vessel on the {doc}, {value}, is not the vessel of the call, {expected}.",
        "Kapal pada {doc_id}, {value}, bukan kapal kunjungan ini, {expected}.",
    ),
    "voyage_mismatch": _T(
        "VOYAGE_MISMATCH", B,
        "Voyage {value} on the {doc} is not the voyage of the call, {expected}.",
        "Voyage {value} pada {doc_id} bukan voyage kunjungan ini, {expected}.",
    ),
}  # fmt: skip


def finding(
    key: str,
    document: DocumentKind | None,
    field: str | None,
    value: str | None,
    *,
    reference: DocumentKind | None = None,
    page: int | None = None,
    **params: str,
) -> Finding:
    """A finding of the catalogued kind `key`, its messages filled in."""
    template = TEMPLATES[key]
    context = {
        "doc": name_en(document),
        "doc_id": name_id(document),
        "ref": name_en(reference),
        "ref_id": name_id(reference),
        "value": value or "",
        **params,
    }
    return Finding(
        severity=template.severity,
        code=template.code,
        document=document,
        field=field,
        value=value,
        message_en=_sentence(template.en.format(**context)),
        message_id=_sentence(template.id.format(**context)),
        page=page,
    )


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]
