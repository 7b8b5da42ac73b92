from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from domain.documents import (
    FINDING_CODES,
    ContainerFacts,
    DocumentKind,
    ExtractedContainer,
    ExtractedDocument,
    ExtractedField,
    Service,
    Severity,
    ShipmentFacts,
    check_shipment,
    required_documents,
)
from domain.documents import labels as L

if TYPE_CHECKING:
    from conftest import SampleSet

K = DocumentKind

# The truth files name fault kinds; the assistant reports stable codes.
FAULT_CODES = {
    "container_check_digit": "INVALID_CHECK_DIGIT",
    "sppb_missing_container": "SPPB_CONTAINER_NOT_COVERED",
    "do_expires_before_eta": "DO_EXPIRES_BEFORE_ETA",
    "seal_mismatch": "SEAL_MISMATCH",
    "packing_list_weight": "WEIGHT_MISMATCH",
    "packing_list_packages": "PACKAGE_COUNT_MISMATCH",
    "sppb_missing": "SPPB_MISSING",
    "imo_check_digit": "INVALID_IMO_NUMBER",
    "npwp_mismatch": "NPWP_MISMATCH",
    "voyage_mismatch": "VOYAGE_MISMATCH",
    "hs_code_length": "INVALID_HS_CODE",
    "consignee_mismatch": "CONSIGNEE_MISMATCH",
    "container_not_on_bl": "CONTAINER_MISMATCH",
    "missing_document": "MISSING_DOCUMENT",
}
DOCUMENTS = {
    "bill_of_lading": K.BILL_OF_LADING,
    "delivery_order": K.DELIVERY_ORDER,
    "pib": K.PIB,
    "sppb": K.SPPB,
    "commercial_invoice": K.COMMERCIAL_INVOICE,
    "packing_list": K.PACKING_LIST,
    "power_of_attorney": K.POWER_OF_ATTORNEY,
}
# Planted faults that need the request to know the call's ETA.
NEEDS_ETA = frozenset({"do_expires_before_eta"})

Triple = tuple[str, DocumentKind | None, str | None]


def planted(truth: dict[str, Any], skip: frozenset[str] = frozenset()) -> list[Triple]:
    return sorted(
        (FAULT_CODES[f["kind"]], DOCUMENTS[f["document"]], f["value"])
        for f in truth["faults"]
        if f["kind"] not in skip
    )


def reported(
    request: ShipmentFacts, documents: list[ExtractedDocument]
) -> list[Triple]:
    report = check_shipment(request, documents)
    return sorted((f.code, f.document, f.value) for f in report.findings)


def test_findings_are_exactly_the_planted_faults(sample_set: SampleSet) -> None:
    found = reported(sample_set.call_only_request(), sample_set.documents())

    assert found == planted(sample_set.truth)


def test_a_complete_request_adds_no_findings(sample_set: SampleSet) -> None:
    found = reported(sample_set.full_request(), sample_set.documents())

    assert found == planted(sample_set.truth)


def test_a_blank_draft_still_finds_what_needs_no_vessel_call(
    sample_set: SampleSet,
) -> None:
    request = ShipmentFacts(
        services=sample_set.services(),
        filed_by_forwarder=sample_set.truth.get("filed_by_forwarder", False),
    )

    found = reported(request, sample_set.documents())

    assert found == planted(sample_set.truth, skip=NEEDS_ETA)


def test_the_clean_sample_has_no_findings(load_set: Callable[[str], SampleSet]) -> None:
    clean = load_set("set-101")

    report = check_shipment(clean.full_request(), clean.documents())

    assert report.findings == ()
    assert not report.is_blocked


def test_findings_carry_field_page_and_both_languages(sample_set: SampleSet) -> None:
    report = check_shipment(sample_set.call_only_request(), sample_set.documents())

    for f in report.findings:
        assert f.code in FINDING_CODES
        assert f.message_en
        assert f.message_id != f.message_en
        if f.value is not None:
            assert f.value in f.message_en
            assert f.value in f.message_id


def test_the_check_digit_finding_points_at_the_delivery_order_row(
    load_set: Callable[[str], SampleSet],
) -> None:
    faulty = load_set("set-102")

    report = check_shipment(faulty.call_only_request(), faulty.documents())

    [digit] = [f for f in report.findings if f.code == "INVALID_CHECK_DIGIT"]
    assert (digit.severity, digit.field, digit.page) == (
        Severity.BLOCKING,
        "containers[0].number",
        1,
    )
    assert report.is_blocked


def test_suggestions_for_a_blank_draft_are_the_truth(sample_set: SampleSet) -> None:
    t = sample_set.truth
    report = check_shipment(ShipmentFacts(), sample_set.documents())

    fields = {s.field: s.value for s in report.field_suggestions}

    expected = {
        "bl_number": t["bl_number"],
        "vessel_name": t["vessel"]["name"],
        "voyage": t["vessel"]["voyage"],
        "consignee_name": t["consignee"]["name"],
        "consignee_npwp": t.get("pib_npwp", t["consignee"]["npwp"]),
    }
    # A B/L IMO number with a bad check digit is not offered.
    if "bl_imo" not in t:
        expected["vessel_imo"] = t["vessel"]["imo"]
    assert fields == expected
    boxes = [s.container.number for s in report.container_suggestions]
    assert boxes == [c["number"] for c in t["containers"]]


def test_suggestions_cite_their_source(load_set: Callable[[str], SampleSet]) -> None:
    report = check_shipment(ShipmentFacts(), load_set("set-103").documents())

    [bl] = [s for s in report.field_suggestions if s.field == "bl_number"]
    box = report.container_suggestions[0]

    assert (bl.source.document, bl.source.page, bl.current) == (
        K.BILL_OF_LADING,
        1,
        None,
    )
    assert "HLCU265413235" in bl.source.text
    assert box.container == ContainerFacts(
        "TGHU9167510", "42G1", "H2379656", 420, Decimal(12329)
    )
    assert box.source.text.startswith("TGHU9167510")


def test_a_filled_request_gets_no_suggestions(sample_set: SampleSet) -> None:
    report = check_shipment(sample_set.full_request(), sample_set.documents())

    assert report.field_suggestions == ()
    assert report.container_suggestions == ()


def test_a_suggestion_shows_the_value_it_would_replace(
    load_set: Callable[[str], SampleSet],
) -> None:
    sample = load_set("set-101")
    request = replace(sample.full_request(), voyage="661W")

    report = check_shipment(request, sample.documents())

    [voyage] = report.field_suggestions
    assert (voyage.field, voyage.value, voyage.current) == ("voyage", "661E", "661W")


# Rules on hand-built documents ----------------------------------------------


def _field(name: str, value: str) -> ExtractedField:
    return ExtractedField(name, value, 1, f"{name}: {value}")


def _box(
    number: str, seal: str = "S1", packages: int = 100, kg: int = 10000
) -> ExtractedContainer:
    return ExtractedContainer(
        number, 1, number, "22G1", seal, packages, Decimal(kg), "Goods"
    )


def _doc(
    kind: DocumentKind,
    *fields: tuple[str, str],
    boxes: tuple[ExtractedContainer, ...] = (),
) -> ExtractedDocument:
    return ExtractedDocument(
        kind, 1, tuple(_field(n, v) for n, v in fields), tuple(boxes)
    )


BOXES = (_box("CSQU3054383", "S1"), _box("MWCU6059784", "S2"))


def _codes(request: ShipmentFacts, *documents: ExtractedDocument) -> list[str]:
    return [f.code for f in check_shipment(request, list(documents)).findings]


def _packing(kg: str, packages: str = "200") -> ExtractedDocument:
    fields = ((L.TOTAL_GROSS_KG, kg), (L.TOTAL_PACKAGES, packages))
    return _doc(K.PACKING_LIST, *fields)


@pytest.mark.parametrize(
    ("kg", "packages", "codes"),
    [
        ("20099", "200", []),
        ("19901", "200", []),
        ("20101", "200", ["WEIGHT_MISMATCH"]),
        ("19899", "200", ["WEIGHT_MISMATCH"]),
        ("20000", "201", ["PACKAGE_COUNT_MISMATCH"]),
    ],
)
def test_packing_list_totals_have_a_half_percent_weight_tolerance(
    kg: str, packages: str, codes: list[str]
) -> None:
    bill = _doc(K.BILL_OF_LADING, boxes=BOXES)

    found = _codes(ShipmentFacts(), bill, _packing(kg, packages))

    assert [c for c in found if c != "MISSING_DOCUMENT"] == codes


@pytest.mark.parametrize(("days_before_eta", "expired"), [(0, False), (1, True)])
def test_a_delivery_order_must_be_valid_on_the_eta(
    days_before_eta: int, expired: bool
) -> None:
    eta = date(2026, 12, 19)
    until = (eta - timedelta(days=days_before_eta)).isoformat()
    order = _doc(K.DELIVERY_ORDER, (L.VALID_UNTIL, until))

    found = _codes(ShipmentFacts(eta=eta), order)

    assert ("DO_EXPIRES_BEFORE_ETA" in found) is expired


def test_a_legacy_npwp_names_the_same_taxpayer_as_its_16_digit_form() -> None:
    bill = _doc(K.BILL_OF_LADING, (L.CONSIGNEE_NPWP, "012345678901200"))
    pib = _doc(K.PIB, (L.CONSIGNEE_NPWP, "0012345678901200"))
    other = _doc(K.PIB, (L.CONSIGNEE_NPWP, "0012345678901201"))

    assert "NPWP_MISMATCH" not in _codes(ShipmentFacts(), bill, pib)
    assert "NPWP_MISMATCH" in _codes(ShipmentFacts(), bill, other)


def test_an_npwp_of_the_wrong_length_is_invalid_not_a_mismatch() -> None:
    pib = _doc(K.PIB, (L.CONSIGNEE_NPWP, "01234567890120"))
    request = ShipmentFacts(consignee_npwp="0012345678901200")

    found = _codes(request, pib)

    assert "INVALID_NPWP" in found
    assert "NPWP_MISMATCH" not in found


def test_the_request_consignee_is_compared_with_the_papers() -> None:
    bill = _doc(K.BILL_OF_LADING, (L.CONSIGNEE_NAME, "PT. Mega Tekstil Indah"))
    pib = _doc(K.PIB, (L.CONSIGNEE_NAME, "PT MEGA TEKSTIL INDAH"))

    same = ShipmentFacts(consignee_name="pt mega tekstil indah")
    other = ShipmentFacts(consignee_name="PT Mega Tekstil")

    assert "CONSIGNEE_MISMATCH" not in _codes(same, bill, pib)
    report = check_shipment(other, [bill, pib])
    [mismatch] = [f for f in report.findings if f.code == "CONSIGNEE_MISMATCH"]
    assert (mismatch.document, mismatch.value) == (None, "PT Mega Tekstil")
    assert "request" in mismatch.message_en
    assert "permohonan" in mismatch.message_id


def test_the_imo_number_decides_the_vessel_over_its_spelling() -> None:
    bill = _doc(
        K.BILL_OF_LADING,
        (L.VESSEL_NAME, "MV Straits Pioneer"),
        (L.VESSEL_IMO, "9074729"),
    )
    same = ShipmentFacts(vessel_name="STRAITS PIONEER", vessel_imo="9074729")
    other = ShipmentFacts(vessel_name="MV Straits Pioneer", vessel_imo="9456109")

    assert _codes(same, bill).count("VESSEL_MISMATCH") == 0
    assert _codes(other, bill).count("VESSEL_MISMATCH") == 1


def test_a_request_container_missing_from_the_bill_of_lading() -> None:
    bill = _doc(K.BILL_OF_LADING, boxes=BOXES)
    request = ShipmentFacts(containers=(ContainerFacts("TCLU1234568"),))

    report = check_shipment(request, [bill])

    [extra] = [f for f in report.findings if f.code == "CONTAINER_MISMATCH"]
    assert (extra.document, extra.field, extra.value) == (
        None,
        "containers[0].number",
        "TCLU1234568",
    )


def test_a_delivery_order_that_leaves_out_a_container() -> None:
    bill = _doc(K.BILL_OF_LADING, boxes=BOXES)
    order = _doc(K.DELIVERY_ORDER, boxes=BOXES[:1])

    report = check_shipment(ShipmentFacts(), [bill, order])

    [missing] = [f for f in report.findings if f.code == "CONTAINER_MISMATCH"]
    assert (missing.document, missing.value) == (K.DELIVERY_ORDER, "MWCU6059784")


ALWAYS = ["BILL_OF_LADING", "DELIVERY_ORDER", "COMMERCIAL_INVOICE", "PACKING_LIST"]


@pytest.mark.parametrize(
    ("services", "forwarder", "kinds"),
    [
        (set(), False, ALWAYS),
        ({Service.DISCHARGE, Service.STORAGE}, False, ALWAYS),
        ({Service.INSPECTION_HANDLING}, False, [*ALWAYS, "PIB"]),
        ({Service.PICKUP}, False, [*ALWAYS, "PIB", "SPPB"]),
        ({Service.DELIVERY}, True, [*ALWAYS, "PIB", "SPPB", "POWER_OF_ATTORNEY"]),
    ],
)
def test_required_documents_follow_the_services(
    services: set[Service], forwarder: bool, kinds: list[str]
) -> None:
    needs = required_documents(frozenset(services), forwarder)

    assert [n.kind.value for n in needs] == kinds


def test_a_missing_sppb_warns_and_a_missing_pib_blocks() -> None:
    report = check_shipment(ShipmentFacts(services=frozenset({Service.PICKUP})), [])

    severities = {(f.code, f.document): f.severity for f in report.findings}

    assert severities[("SPPB_MISSING", K.SPPB)] is Severity.WARNING
    assert severities[("MISSING_DOCUMENT", K.PIB)] is Severity.BLOCKING
